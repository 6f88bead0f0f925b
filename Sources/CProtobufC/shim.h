#ifndef EFFICIENTREC_CPROTOBUFC_SHIM_H
#define EFFICIENTREC_CPROTOBUFC_SHIM_H
// Debian's libprotobuf-c-dev: the protobuf-c runtime used by the generated CRecProtocol code.
#include <protobuf-c/protobuf-c.h>
#endif
