from efficientrec.v1 import common_pb2 as _common_pb2
from efficientrec.v1 import admin_pb2 as _admin_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ClientMessage(_message.Message):
    __slots__ = ["block_items", "protocol_version", "recommend", "rollback", "status"]
    BLOCK_ITEMS_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    RECOMMEND_FIELD_NUMBER: _ClassVar[int]
    ROLLBACK_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    block_items: _admin_pb2.BlockItemsRequest
    protocol_version: int
    recommend: RecommendRequest
    rollback: _admin_pb2.RollbackRequest
    status: _admin_pb2.StatusRequest
    def __init__(self, protocol_version: _Optional[int] = ..., recommend: _Optional[_Union[RecommendRequest, _Mapping]] = ..., status: _Optional[_Union[_admin_pb2.StatusRequest, _Mapping]] = ..., rollback: _Optional[_Union[_admin_pb2.RollbackRequest, _Mapping]] = ..., block_items: _Optional[_Union[_admin_pb2.BlockItemsRequest, _Mapping]] = ...) -> None: ...

class Explanation(_message.Message):
    __slots__ = ["because_item_ids", "cluster_ids", "cluster_shares", "similarities"]
    BECAUSE_ITEM_IDS_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_IDS_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_SHARES_FIELD_NUMBER: _ClassVar[int]
    SIMILARITIES_FIELD_NUMBER: _ClassVar[int]
    because_item_ids: _containers.RepeatedScalarFieldContainer[str]
    cluster_ids: _containers.RepeatedScalarFieldContainer[int]
    cluster_shares: _containers.RepeatedScalarFieldContainer[float]
    similarities: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, cluster_ids: _Optional[_Iterable[int]] = ..., cluster_shares: _Optional[_Iterable[float]] = ..., because_item_ids: _Optional[_Iterable[str]] = ..., similarities: _Optional[_Iterable[float]] = ...) -> None: ...

class RecommendRequest(_message.Message):
    __slots__ = ["allow_item_ids", "attribute_names", "attribute_values", "deadline_unix_micros", "exclude_item_ids", "explain", "item_conditions", "item_ids", "k", "model_version", "ratings", "request_id", "timestamps"]
    ALLOW_ITEM_IDS_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTE_NAMES_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTE_VALUES_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_UNIX_MICROS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_ITEM_IDS_FIELD_NUMBER: _ClassVar[int]
    EXPLAIN_FIELD_NUMBER: _ClassVar[int]
    ITEM_CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    ITEM_IDS_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    allow_item_ids: _containers.RepeatedScalarFieldContainer[str]
    attribute_names: _containers.RepeatedScalarFieldContainer[str]
    attribute_values: _containers.RepeatedScalarFieldContainer[str]
    deadline_unix_micros: int
    exclude_item_ids: _containers.RepeatedScalarFieldContainer[str]
    explain: bool
    item_conditions: _containers.RepeatedScalarFieldContainer[str]
    item_ids: _containers.RepeatedScalarFieldContainer[str]
    k: int
    model_version: str
    ratings: _containers.RepeatedScalarFieldContainer[float]
    request_id: str
    timestamps: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, request_id: _Optional[str] = ..., item_ids: _Optional[_Iterable[str]] = ..., ratings: _Optional[_Iterable[float]] = ..., timestamps: _Optional[_Iterable[float]] = ..., attribute_names: _Optional[_Iterable[str]] = ..., attribute_values: _Optional[_Iterable[str]] = ..., k: _Optional[int] = ..., deadline_unix_micros: _Optional[int] = ..., model_version: _Optional[str] = ..., exclude_item_ids: _Optional[_Iterable[str]] = ..., allow_item_ids: _Optional[_Iterable[str]] = ..., item_conditions: _Optional[_Iterable[str]] = ..., explain: bool = ...) -> None: ...

class RecommendResponse(_message.Message):
    __slots__ = ["cluster_ids", "cluster_weights", "coverage", "degraded_reasons", "explanations", "filled_from_popularity", "filtered_candidates", "item_ids", "model_version", "request_id", "scores", "timings", "truncated_interactions", "unknown_items"]
    CLUSTER_IDS_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_FIELD_NUMBER: _ClassVar[int]
    DEGRADED_REASONS_FIELD_NUMBER: _ClassVar[int]
    EXPLANATIONS_FIELD_NUMBER: _ClassVar[int]
    FILLED_FROM_POPULARITY_FIELD_NUMBER: _ClassVar[int]
    FILTERED_CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    ITEM_IDS_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    TIMINGS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_INTERACTIONS_FIELD_NUMBER: _ClassVar[int]
    UNKNOWN_ITEMS_FIELD_NUMBER: _ClassVar[int]
    cluster_ids: _containers.RepeatedScalarFieldContainer[int]
    cluster_weights: _containers.RepeatedScalarFieldContainer[float]
    coverage: float
    degraded_reasons: _containers.RepeatedScalarFieldContainer[str]
    explanations: _containers.RepeatedCompositeFieldContainer[Explanation]
    filled_from_popularity: int
    filtered_candidates: int
    item_ids: _containers.RepeatedScalarFieldContainer[str]
    model_version: str
    request_id: str
    scores: _containers.RepeatedScalarFieldContainer[float]
    timings: ServerTimings
    truncated_interactions: int
    unknown_items: int
    def __init__(self, request_id: _Optional[str] = ..., item_ids: _Optional[_Iterable[str]] = ..., scores: _Optional[_Iterable[float]] = ..., cluster_ids: _Optional[_Iterable[int]] = ..., cluster_weights: _Optional[_Iterable[float]] = ..., model_version: _Optional[str] = ..., coverage: _Optional[float] = ..., degraded_reasons: _Optional[_Iterable[str]] = ..., timings: _Optional[_Union[ServerTimings, _Mapping]] = ..., unknown_items: _Optional[int] = ..., truncated_interactions: _Optional[int] = ..., filled_from_popularity: _Optional[int] = ..., filtered_candidates: _Optional[int] = ..., explanations: _Optional[_Iterable[_Union[Explanation, _Mapping]]] = ...) -> None: ...

class ServerMessage(_message.Message):
    __slots__ = ["error", "protocol_version", "recommend", "status"]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    RECOMMEND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    error: _common_pb2.Error
    protocol_version: int
    recommend: RecommendResponse
    status: _admin_pb2.StatusResponse
    def __init__(self, protocol_version: _Optional[int] = ..., recommend: _Optional[_Union[RecommendResponse, _Mapping]] = ..., error: _Optional[_Union[_common_pb2.Error, _Mapping]] = ..., status: _Optional[_Union[_admin_pb2.StatusResponse, _Mapping]] = ...) -> None: ...

class ServerTimings(_message.Message):
    __slots__ = ["encode_micros", "fanout_micros", "merge_micros", "total_micros"]
    ENCODE_MICROS_FIELD_NUMBER: _ClassVar[int]
    FANOUT_MICROS_FIELD_NUMBER: _ClassVar[int]
    MERGE_MICROS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_MICROS_FIELD_NUMBER: _ClassVar[int]
    encode_micros: int
    fanout_micros: int
    merge_micros: int
    total_micros: int
    def __init__(self, total_micros: _Optional[int] = ..., encode_micros: _Optional[int] = ..., fanout_micros: _Optional[int] = ..., merge_micros: _Optional[int] = ...) -> None: ...
