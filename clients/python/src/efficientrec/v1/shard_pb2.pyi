from efficientrec.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CoordinatorMessage(_message.Message):
    __slots__ = ["heartbeat", "protocol_version", "query"]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    heartbeat: Heartbeat
    protocol_version: int
    query: ShardQuery
    def __init__(self, protocol_version: _Optional[int] = ..., query: _Optional[_Union[ShardQuery, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ["draining", "model_version", "model_versions", "sent_unix_micros", "shard", "shard_count"]
    DRAINING_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    SENT_UNIX_MICROS_FIELD_NUMBER: _ClassVar[int]
    SHARD_COUNT_FIELD_NUMBER: _ClassVar[int]
    SHARD_FIELD_NUMBER: _ClassVar[int]
    draining: bool
    model_version: str
    model_versions: _containers.RepeatedScalarFieldContainer[str]
    sent_unix_micros: int
    shard: int
    shard_count: int
    def __init__(self, shard: _Optional[int] = ..., model_version: _Optional[str] = ..., sent_unix_micros: _Optional[int] = ..., draining: bool = ..., shard_count: _Optional[int] = ..., model_versions: _Optional[_Iterable[str]] = ...) -> None: ...

class ShardQuery(_message.Message):
    __slots__ = ["cluster_ids", "cluster_weights", "deadline_unix_micros", "exclude_items", "item_item_bound", "k", "model_version", "ranking_items", "request_id", "shard_count", "vote_bound"]
    CLUSTER_IDS_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_UNIX_MICROS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    ITEM_ITEM_BOUND_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    RANKING_ITEMS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SHARD_COUNT_FIELD_NUMBER: _ClassVar[int]
    VOTE_BOUND_FIELD_NUMBER: _ClassVar[int]
    cluster_ids: _containers.RepeatedScalarFieldContainer[int]
    cluster_weights: _containers.RepeatedScalarFieldContainer[float]
    deadline_unix_micros: int
    exclude_items: _containers.RepeatedScalarFieldContainer[int]
    item_item_bound: float
    k: int
    model_version: str
    ranking_items: _containers.RepeatedScalarFieldContainer[int]
    request_id: str
    shard_count: int
    vote_bound: float
    def __init__(self, request_id: _Optional[str] = ..., deadline_unix_micros: _Optional[int] = ..., model_version: _Optional[str] = ..., cluster_ids: _Optional[_Iterable[int]] = ..., cluster_weights: _Optional[_Iterable[float]] = ..., exclude_items: _Optional[_Iterable[int]] = ..., ranking_items: _Optional[_Iterable[int]] = ..., vote_bound: _Optional[float] = ..., item_item_bound: _Optional[float] = ..., k: _Optional[int] = ..., shard_count: _Optional[int] = ...) -> None: ...

class ShardReply(_message.Message):
    __slots__ = ["items", "model_version", "request_id", "scores", "shard", "shard_count"]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    SHARD_COUNT_FIELD_NUMBER: _ClassVar[int]
    SHARD_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedScalarFieldContainer[int]
    model_version: str
    request_id: str
    scores: _containers.RepeatedScalarFieldContainer[float]
    shard: int
    shard_count: int
    def __init__(self, request_id: _Optional[str] = ..., model_version: _Optional[str] = ..., shard: _Optional[int] = ..., items: _Optional[_Iterable[int]] = ..., scores: _Optional[_Iterable[float]] = ..., shard_count: _Optional[int] = ...) -> None: ...

class WorkerMessage(_message.Message):
    __slots__ = ["error", "heartbeat", "protocol_version", "reply"]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    REPLY_FIELD_NUMBER: _ClassVar[int]
    error: _common_pb2.Error
    heartbeat: Heartbeat
    protocol_version: int
    reply: ShardReply
    def __init__(self, protocol_version: _Optional[int] = ..., reply: _Optional[_Union[ShardReply, _Mapping]] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ...) -> None: ...
