"""What makes an administrator's password acceptable: long, varied, not common, not the username.

Used by `dispatch users create-admin`; the checks are deliberately simple and explainable to the person at
the console (each refusal says why, in Chinese first).
"""

from __future__ import annotations

from dispatch.errors import InvalidInput

MIN_LENGTH = 10
# Passwords that appear at the top of every leaked list, and this product's demo password.
COMMON_PASSWORDS = frozenset(
    {
        "password", "password1", "password123", "passw0rd", "12345678", "123456789", "1234567890",
        "qwertyuiop", "qwerty123", "1q2w3e4r5t", "iloveyou", "admin123", "administrator", "abc123456",
        "11111111", "00000000", "88888888", "66666666", "a123456789", "woaini1314", "demo", "changeme",
    }
)  # fmt: skip


def check_password(password: str, *, username: str) -> None:
    """Raise InvalidInput (field ``password``) naming the first rule the password breaks."""
    problem = _problem(password, username)
    if problem is not None:
        raise InvalidInput(problem, field="password")


def _problem(password: str, username: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 个字符 / The password needs at least {MIN_LENGTH} characters"
    if password.lower() in COMMON_PASSWORDS:
        return "密码太常见 / The password is too common"
    if username and username.lower() in password.lower():
        return "密码不能包含用户名 / The password must not contain the username"
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 3:
        return (
            "密码需包含小写字母、大写字母、数字、符号中的至少三类 / The password needs at least three of: "
            "lower-case letters, upper-case letters, digits, symbols"
        )
    if len(set(password)) < 5:
        return "密码中不同的字符太少 / The password has too few different characters"
    return None
