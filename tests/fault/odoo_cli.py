"""Odoo's command line, run from a file of its own (``python odoo_cli.py``).

The harness does not start Odoo with ``python -m odoo``: that leaves
``sys.argv[0]`` at Odoo's ``__main__.py``, which the prefork server runs
again, as a plain script, to start its gevent worker; the worker then dies
at once on a relative import and the server starts it again, several
times a second, for as long as it runs (the CPU it costs is taken from the
scenario). Run from this file, the gevent worker starts like the others.
"""

from odoo.cli.command import main

if __name__ == "__main__":
    main()
