"""Staff sign-in protection: second factor (TOTP and recovery codes), lockout, login logs."""
