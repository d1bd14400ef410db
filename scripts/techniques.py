"""Regenerates conversations/answers/techniques.json from MITRE's data files.

    python scripts/techniques.py --attack enterprise-attack.json --atlas ATLAS.yaml

The same as `jcdc-bot techniques update`; kept as a script so the table's origin is obvious.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.techniques import update_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attack", type=Path, required=True, help="ATT&CK Enterprise bundle")
    parser.add_argument("--atlas", type=Path, required=True, help="ATLAS.yaml")
    parser.add_argument("--attack-version", help="when the bundle has no x-mitre-collection")
    args = parser.parse_args()
    table = update_table(args.attack, args.atlas, attack_version=args.attack_version)
    print(
        f"{len(table['techniques'])} techniques: ATT&CK {table['attack_version']}, "
        f"ATLAS {table['atlas_version']}"
    )


if __name__ == "__main__":
    main()
