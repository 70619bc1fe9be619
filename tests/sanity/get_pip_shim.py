"""Stand-in for pip's get-pip.py bootstrap script, used by ansible-test when it creates sanity venvs.

ansible-test downloads get-pip.py from a host this machine cannot reach. This shim gives the venv the pip
bundled with Python (ensurepip), then lets that pip install what ansible-test asked for from the package
index (reachable). Options only get-pip.py understands are dropped.
"""
import ensurepip
import os
import subprocess
import sys

GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}

ensurepip.bootstrap(upgrade=True)
args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY]
# ansible-test runs pip in a reduced environment: keep the system CA bundle (TLS-intercepting proxies).
bundle = "/etc/ssl/certs/ca-certificates.crt"
if os.path.exists(bundle):
    args = ["--cert", bundle] + args
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "-q"] + args))
