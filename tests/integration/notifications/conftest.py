import pytest
from notifications_helpers import FAST, Receiver, SmtpServer

from notifications.service import NotificationsService


@pytest.fixture
def receiver():
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def smtp(tmp_path):
    server = SmtpServer(tmp_path / "maildir").start()
    yield server
    server.stop()


@pytest.fixture
def start_notifications(start_service, smtp):
    def start(**config):
        extra = {**FAST, "smtp_host": "127.0.0.1", "smtp_port": smtp.port, **config}
        return start_service(NotificationsService, extra=extra)

    return start


@pytest.fixture
def notifications(start_notifications):
    return start_notifications()


