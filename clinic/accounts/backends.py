from axes.backends import AxesStandaloneBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS.

    Every sign-in page passes the request (Django's AuthenticationForm does), and then a locked
    username+address is refused here, before ModelBackend computes a password hash. Without a
    request (a shell, a management command, `authenticate()` in a test) there is no address to
    lock, so this backend steps aside instead of raising as axes' own does.
    """

    def authenticate(
        self, request: HttpRequest | None, *args: object, **kwargs: object
    ) -> AbstractBaseUser | None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
