from pmsync.cli import run

run()
