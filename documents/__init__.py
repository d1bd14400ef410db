"""Documents made from a report: pure, like the engine (imports only conversations/)."""
