"""The command line (``python -m geo``): its commands, Swedish argparse, ``serve`` and the presence commands."""
