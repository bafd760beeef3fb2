"""Staff sign-in protection: second factor (TOTP and recovery codes), lockout, login logs."""

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from clinic.accounts import signin


class LockoutBackend(AxesStandaloneBackend):
    """The lockout checks, first in AUTHENTICATION_BACKENDS: the account's pause across all
    addresses (clinic.accounts.signin), then django-axes' username+address lock.

    Every sign-in page passes the request (Django's AuthenticationForm does), and then a paused
    account or a locked username+address is refused here, before ModelBackend computes a password
    hash. Without a request (a shell, a management command, `authenticate()` in a test) there is
    no address to lock, so this backend steps aside instead of raising as axes' own does.
    """

    def authenticate(
        self, request: HttpRequest | None, *args: object, **kwargs: object
    ) -> AbstractBaseUser | None:
        if request is None:
            return None
        # Marks a refusal that did not check the password: it is not counted as a failure.
        request.signin_refused = False  # type: ignore[attr-defined]
        username = kwargs.get("username")
        paused_until = signin.account_paused_until(
            request=request, username=username if isinstance(username, str) else None
        )
        if paused_until is not None:
            request.signin_refused = True  # type: ignore[attr-defined]
            request.signin_paused_until = paused_until  # type: ignore[attr-defined]
            request.axes_locked_out = True  # type: ignore[attr-defined]
            raise AxesBackendPermissionDenied("The account's sign-in is paused.")
        try:
            return super().authenticate(request, *args, **kwargs)
        except AxesBackendPermissionDenied:
            request.signin_refused = True  # type: ignore[attr-defined]
            raise
