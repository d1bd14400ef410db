"""TLP 2.0 in STIX 2.1: the five marking definitions and the extension they carry, exactly as
OASIS publishes them in cti-stix-common-objects.

The `stix2` library ships only TLP 1.0 constants (its maintainers declined to add 2.0), so
these objects are built here. Every field is OASIS's own: ids, names, `created`, and the
extension-definition object that declares the `tlp_2_0` property.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import stix2

TLP_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP_CREATED = "2022-10-01T00:00:00.000Z"

# The report's TLP label → OASIS's marking-definition id.
TLP_MARKING_IDS = {
    "TLP:CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "TLP:GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "TLP:AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "TLP:AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "TLP:RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

# objects/extension-definition/extension-definition--60a3c5c5-....json, field for field.
_TLP_EXTENSION_DEFINITION: dict[str, Any] = {
    "type": "extension-definition",
    "spec_version": "2.1",
    "id": TLP_EXTENSION_ID,
    "created_by_ref": "identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01",
    "created": TLP_CREATED,
    "modified": TLP_CREATED,
    "name": "TLP 2.0",
    "description": "This defines TLP 2.0 as a STIX extension",
    "schema": (
        "https://github.com/oasis-open/cti-stix-common-objects/tree/master/"
        "extension-definition-specifications/tlp-2.0"
    ),
    "version": "1.0.0",
    "extension_types": ["property-extension"],
}


# Published, immutable objects: built (and checked by stix2) once per process.
@cache
def tlp_marking(tlp: str) -> stix2.MarkingDefinition:
    """The OASIS marking definition for a TLP 2.0 label such as `TLP:AMBER+STRICT`."""
    if tlp not in TLP_MARKING_IDS:
        raise ValueError(f"{tlp!r} is not a TLP 2.0 label")
    return stix2.MarkingDefinition(
        id=TLP_MARKING_IDS[tlp],
        created=TLP_CREATED,
        name=tlp,
        extensions={
            TLP_EXTENSION_ID: {
                "extension_type": "property-extension",
                "tlp_2_0": tlp.removeprefix("TLP:").lower(),
            }
        },
    )


@cache
def tlp_extension_definition() -> stix2.ExtensionDefinition:
    return stix2.ExtensionDefinition(**_TLP_EXTENSION_DEFINITION)
