"""pytest hooks of the ansible-runner (AWX-style) job tests."""


def pytest_configure(config):
    config.addinivalue_line("markers", "awx_runner: playbooks through ansible-runner as AWX runs them (slow)")
