// RecWire
//
// Owns: The wire protocol in Swift: message values, validation, WireError, the byte scanners that
//   run before unpacking, and the codecs between Swift values and the generated protobuf-c structs
//   (the only importer of CRecProtocol) or canonical protobuf bytes written in Swift.
// Imports: CRecProtocol, CProtobufC.
// Must not import: every other Rec module: the protocol knows nothing of models or sockets.
//
// (.ci/check-modules.py checks these lists against every import in this module.)
