"""Errors raised by the EfficientRec client.

Every error a coordinator can answer with (``efficientrec.v1.ErrorCode`` in
``protocols/efficientrec/v1/common.proto``) has its own subclass of :class:`EfficientRecError`;
each carries the request ID of the request it belongs to. :class:`ClientTimeoutError` is the
client's own deadline (no reply in time) and is also a built-in :class:`TimeoutError`;
:class:`InvalidArgumentError` is also a :class:`ValueError`. :func:`overload_backoff` is the pause
before the client sends a request refused as overloaded again.
"""
from __future__ import annotations

import builtins
import random
from typing import Dict, Optional, Type

from .v1 import common_pb2

__all__ = [
    "EfficientRecError",
    "MalformedRequestError",
    "InvalidArgumentError",
    "UnsupportedProtocolError",
    "ModelVersionUnavailableError",
    "DeadlineExceededError",
    "OverloadedError",
    "LowCoverageError",
    "InternalError",
    "ClientTimeoutError",
    "UnexpectedReplyError",
    "error_for_code",
]


class EfficientRecError(Exception):
    """Base class of every error of this package.

    Attributes:
        request_id: the ID of the request the error belongs to ("" when the server could not
            read it, which does not happen for requests this client encodes).
        message: the server's (or the client's) message for a person.
        code: the wire ``ErrorCode`` number, or ``None`` for errors raised by the client itself.
    """

    #: The ``efficientrec.v1.ErrorCode`` this class stands for (``None``: not a server error).
    error_code: Optional[int] = None

    def __init__(self, request_id: str, message: str, code: Optional[int] = None) -> None:
        super().__init__(message)
        self.request_id = request_id
        self.message = message
        self.code = code if code is not None else self.error_code

    def __str__(self) -> str:
        return "%s (request %s)" % (self.message, self.request_id or "?")

    def __repr__(self) -> str:
        return "%s(request_id=%r, message=%r)" % (type(self).__name__, self.request_id, self.message)

    def __reduce__(self):  # keeps the attributes through pickling (multiprocessing)
        return (type(self), (self.request_id, self.message, self.code))


class MalformedRequestError(EfficientRecError):
    """ERROR_CODE_MALFORMED: the bytes the server got are not a valid message."""

    error_code = common_pb2.ERROR_CODE_MALFORMED


class InvalidArgumentError(EfficientRecError, ValueError):
    """ERROR_CODE_INVALID_ARGUMENT: a field is out of range or invalid (k outside 1..limit, a NaN
    rating, parallel arrays of different lengths, an unknown genre or attribute in a condition,
    a batch or list over its cap). Also raised by the client, without a round trip, for a request
    it cannot encode (a negative k, a rating that is not a number, a history of the wrong shape).
    Also a built-in :class:`ValueError`."""

    error_code = common_pb2.ERROR_CODE_INVALID_ARGUMENT


class UnsupportedProtocolError(EfficientRecError):
    """ERROR_CODE_UNSUPPORTED_PROTOCOL: the server does not speak this protocol version."""

    error_code = common_pb2.ERROR_CODE_UNSUPPORTED_PROTOCOL


class ModelVersionUnavailableError(EfficientRecError):
    """ERROR_CODE_MODEL_VERSION_UNAVAILABLE: the requested model version is not loaded."""

    error_code = common_pb2.ERROR_CODE_MODEL_VERSION_UNAVAILABLE


class DeadlineExceededError(EfficientRecError):
    """ERROR_CODE_DEADLINE_EXCEEDED: the server's deadline for the request passed."""

    error_code = common_pb2.ERROR_CODE_DEADLINE_EXCEEDED


class OverloadedError(EfficientRecError):
    """ERROR_CODE_OVERLOADED: the coordinator refused the request at once (beyond its admission
    limit); nothing was done for it. The client retries these itself (``Client(retries=...)``);
    this is raised only when the retries or the deadline ran out."""

    error_code = common_pb2.ERROR_CODE_OVERLOADED


class LowCoverageError(EfficientRecError):
    """ERROR_CODE_LOW_COVERAGE: the answered share of the cluster weight was below the
    coordinator's configured minimum."""

    error_code = common_pb2.ERROR_CODE_LOW_COVERAGE


class InternalError(EfficientRecError):
    """ERROR_CODE_INTERNAL: a bug or an unexpected state on the server."""

    error_code = common_pb2.ERROR_CODE_INTERNAL


class ClientTimeoutError(EfficientRecError, builtins.TimeoutError):
    """No reply came within the client's deadline (``timeout``). Also a built-in
    :class:`TimeoutError`. The request may still be answered later; such a late reply is
    recognised by its request ID and dropped."""


class UnexpectedReplyError(EfficientRecError):
    """The server answered with something this client did not ask for (a reply of another kind,
    or a batch reply of the wrong length)."""


_BY_CODE: Dict[int, Type[EfficientRecError]] = {
    cls.error_code: cls
    for cls in (
        MalformedRequestError,
        InvalidArgumentError,
        UnsupportedProtocolError,
        ModelVersionUnavailableError,
        DeadlineExceededError,
        OverloadedError,
        LowCoverageError,
        InternalError,
    )
}


def error_for_code(code: int, request_id: str, message: str) -> EfficientRecError:
    """The exception for an error reply: the subclass for ``code``, or :class:`EfficientRecError`
    itself for ERROR_CODE_UNSPECIFIED and codes newer than this client."""
    cls = _BY_CODE.get(code, EfficientRecError)
    return cls(request_id, message, code)


def overload_backoff(refusals: int) -> float:
    """The pause in seconds before sending a request again after its n-th overload refusal:
    exponential (5 ms doubling up to 0.5 s) with jitter, as the project's other clients do."""
    return min(0.5, 0.005 * 2 ** (refusals - 1)) * random.uniform(0.5, 1.0)
