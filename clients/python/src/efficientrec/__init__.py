"""EfficientRec client: recommendations from an EfficientRec cluster over ZeroMQ.

    from efficientrec import Client

    with Client("tcp://127.0.0.1:5600") as client:
        for r in client.recommend(["50", "172", "181"], k=10):
            print(r.rank, r.item, r.score)

The wire contract is ``docs/api.md`` of the EfficientRec repository; the generated
protocol-buffer modules are ``efficientrec.v1.*_pb2``.
"""
from .client import DEFAULT_BATCH_SIZE, MAX_BATCH_REQUESTS, PROTOCOL_VERSION, Client, CurveKeys
from .errors import (ClientTimeoutError, DeadlineExceededError, EfficientRecError, InternalError, InvalidArgumentError,
                     LowCoverageError, MalformedRequestError, ModelVersionUnavailableError, OverloadedError,
                     UnexpectedReplyError, UnsupportedProtocolError)
from .histories import DEFAULT_RATING, History
from .results import (ClusterActivation, ClusterShare, Explanation, Recommendation, Recommendations, ServerTimings,
                      ShardStatus, SimilarItem, Status)

from . import errors as _errors

__version__ = "0.1.0"

__all__ = [
    "Client",
    "CurveKeys",
    "History",
    "DEFAULT_RATING",
    "DEFAULT_BATCH_SIZE",
    "MAX_BATCH_REQUESTS",
    "PROTOCOL_VERSION",
    "Recommendation",
    "Recommendations",
    "Explanation",
    "ClusterActivation",
    "ClusterShare",
    "SimilarItem",
    "ServerTimings",
    "Status",
    "ShardStatus",
]
__all__ += [name for name in _errors.__all__ if name != "error_for_code"]
