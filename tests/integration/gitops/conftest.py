"""pytest hooks of the GitOps pipeline script tests."""


def pytest_configure(config):
    config.addinivalue_line("markers", "ios_e2e: ansible-playbook runs against the IOS-XE test double (slow)")
