"""What the in-process Shopify benchmarks share: a database to measure on."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def install_shopify(db, tmp):
    """Create ``db`` anew with retail_shopify; return the config path."""
    conf = Path(tmp) / "bench.conf"
    conf.write_text(
        "[options]\n"
        f"addons_path = {ROOT / 'addons'}\n"
        f"data_dir = {Path(tmp) / 'data'}\n"
        "http_interface = 127.0.0.1\n"
        "without_demo = True\n"
        "log_level = warn\n"
    )
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    print(f"Installing retail_shopify into {db} ...", flush=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            "-c",
            str(conf),
            "-d",
            db,
            "-i",
            "retail_shopify",
            "--stop-after-init",
        ],
        check=True,
    )
    return conf


def open_registry(conf, db):
    """Load Odoo's registry of ``db`` in this process."""
    import odoo  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415

    odoo.tools.config.parse_config(["-c", str(conf), "-d", db], setup_logging=False)
    return Registry(db)


def drop(db):
    """Close this process's connections to ``db`` and drop it."""
    import odoo  # noqa: PLC0415

    odoo.sql_db.close_db(db)
    subprocess.run(["dropdb", "--if-exists", db], check=False)
