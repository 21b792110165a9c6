"""The e2e devnet fixtures (one staked devnet per session, reverted after every test)."""

from tests.e2e.conftest import devnet_session, net

__all__ = ["devnet_session", "net"]
