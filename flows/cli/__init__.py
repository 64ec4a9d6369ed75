"""The ``ciasa`` command line (typer). Sub-apps per stage; heavy imports happen inside
the commands that need them, so ``ciasa --help`` and ``ciasa data ...`` never import
prefect, bpy or mediapipe."""
