"""What-ifs at scale: sweeps of scenario keys (``sweep``), trade-off curves, uncertainty and the cost of a
mission's goal, run in-process or on a Dask cluster. Modules import what they need when used, so the
scenario schema can import ``variants`` without the solver."""
