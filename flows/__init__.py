"""The top layer: the ``ciasa`` CLI (``flows.cli``) and, in later stages, thin Prefect
flows over the stage functions. Importing this package imports nothing heavy."""
