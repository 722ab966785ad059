import subprocess
import sys

from exporter import __version__


def test_version_flag_prints_version():
    out = subprocess.run(
        [sys.executable, "-m", "exporter", "-V"], capture_output=True, text=True, check=True
    )
    assert __version__ in out.stdout


def test_help_documents_exit_codes():
    out = subprocess.run(
        [sys.executable, "-m", "exporter", "--help"], capture_output=True, text=True, check=True
    )
    for code in ("0 ", "2 ", "3 ", "4 ", "75 "):
        assert code in out.stdout
