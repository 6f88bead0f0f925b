from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BlockItemsRequest(_message.Message):
    __slots__ = ["item_ids", "request_id", "unblock"]
    ITEM_IDS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    UNBLOCK_FIELD_NUMBER: _ClassVar[int]
    item_ids: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    unblock: bool
    def __init__(self, request_id: _Optional[str] = ..., item_ids: _Optional[_Iterable[str]] = ..., unblock: bool = ...) -> None: ...

class RollbackRequest(_message.Message):
    __slots__ = ["request_id"]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class ShardStatus(_message.Message):
    __slots__ = ["alive", "endpoint", "model_version", "p50_micros", "p99_micros", "replicas", "replicas_alive", "requests", "shard"]
    ALIVE_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    P50_MICROS_FIELD_NUMBER: _ClassVar[int]
    P99_MICROS_FIELD_NUMBER: _ClassVar[int]
    REPLICAS_ALIVE_FIELD_NUMBER: _ClassVar[int]
    REPLICAS_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    SHARD_FIELD_NUMBER: _ClassVar[int]
    alive: bool
    endpoint: str
    model_version: str
    p50_micros: int
    p99_micros: int
    replicas: int
    replicas_alive: int
    requests: int
    shard: int
    def __init__(self, shard: _Optional[int] = ..., endpoint: _Optional[str] = ..., model_version: _Optional[str] = ..., alive: bool = ..., requests: _Optional[int] = ..., p50_micros: _Optional[int] = ..., p99_micros: _Optional[int] = ..., replicas: _Optional[int] = ..., replicas_alive: _Optional[int] = ...) -> None: ...

class StatusRequest(_message.Message):
    __slots__ = ["request_id"]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class StatusResponse(_message.Message):
    __slots__ = ["admission_limit", "auth_refused", "blocked_items", "client_disconnects", "complete_replies", "degraded", "errors", "failovers", "handshake_failures", "heartbeat_misses", "hedges", "in_flight", "late_replies", "low_coverage", "model_version", "overloaded", "p50_micros", "p90_micros", "p99_micros", "ready", "request_id", "requests", "retries", "shards"]
    ADMISSION_LIMIT_FIELD_NUMBER: _ClassVar[int]
    AUTH_REFUSED_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_ITEMS_FIELD_NUMBER: _ClassVar[int]
    CLIENT_DISCONNECTS_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_REPLIES_FIELD_NUMBER: _ClassVar[int]
    DEGRADED_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    FAILOVERS_FIELD_NUMBER: _ClassVar[int]
    HANDSHAKE_FAILURES_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_MISSES_FIELD_NUMBER: _ClassVar[int]
    HEDGES_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    LATE_REPLIES_FIELD_NUMBER: _ClassVar[int]
    LOW_COVERAGE_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    OVERLOADED_FIELD_NUMBER: _ClassVar[int]
    P50_MICROS_FIELD_NUMBER: _ClassVar[int]
    P90_MICROS_FIELD_NUMBER: _ClassVar[int]
    P99_MICROS_FIELD_NUMBER: _ClassVar[int]
    READY_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RETRIES_FIELD_NUMBER: _ClassVar[int]
    SHARDS_FIELD_NUMBER: _ClassVar[int]
    admission_limit: int
    auth_refused: int
    blocked_items: int
    client_disconnects: int
    complete_replies: int
    degraded: int
    errors: int
    failovers: int
    handshake_failures: int
    heartbeat_misses: int
    hedges: int
    in_flight: int
    late_replies: int
    low_coverage: int
    model_version: str
    overloaded: int
    p50_micros: int
    p90_micros: int
    p99_micros: int
    ready: bool
    request_id: str
    requests: int
    retries: int
    shards: _containers.RepeatedCompositeFieldContainer[ShardStatus]
    def __init__(self, request_id: _Optional[str] = ..., model_version: _Optional[str] = ..., requests: _Optional[int] = ..., errors: _Optional[int] = ..., degraded: _Optional[int] = ..., p50_micros: _Optional[int] = ..., p90_micros: _Optional[int] = ..., p99_micros: _Optional[int] = ..., shards: _Optional[_Iterable[_Union[ShardStatus, _Mapping]]] = ..., ready: bool = ..., retries: _Optional[int] = ..., hedges: _Optional[int] = ..., failovers: _Optional[int] = ..., heartbeat_misses: _Optional[int] = ..., overloaded: _Optional[int] = ..., low_coverage: _Optional[int] = ..., late_replies: _Optional[int] = ..., complete_replies: _Optional[int] = ..., in_flight: _Optional[int] = ..., auth_refused: _Optional[int] = ..., handshake_failures: _Optional[int] = ..., admission_limit: _Optional[int] = ..., client_disconnects: _Optional[int] = ..., blocked_items: _Optional[int] = ...) -> None: ...
