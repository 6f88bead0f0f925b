#ifndef EFFICIENTREC_CZEROMQ_SHIM_H
#define EFFICIENTREC_CZEROMQ_SHIM_H
// Debian's libzmq3-dev. Linked with `link "zmq"` (pkg-config emits a prohibited flag on Debian).
#include <zmq.h>
#endif
