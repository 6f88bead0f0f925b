// RecTransport
//
// Owns: ZeroMQ, typed: ZMQContext, ZMQSocket (ROUTER/DEALER and their options), Poller, Wakeup,
//   CURVE keys, SecurityGuard (ZAP), ZMQProxy; every C return code becomes a TransportError. The
//   only importer of CZeroMQ.
// Imports: CZeroMQ.
// Must not import: every other Rec module: transport knows nothing of messages or models.
//
// (.ci/check-modules.py checks these lists against every import in this module.)
