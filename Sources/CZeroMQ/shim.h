#ifndef EFFICIENTREC_CZEROMQ_SHIM_H
#define EFFICIENTREC_CZEROMQ_SHIM_H
// Debian's libzmq3-dev. Linked with `link "zmq"` (pkg-config emits a prohibited flag on Debian).
#include <zmq.h>

// ZMQ_ZAP_ENFORCE_DOMAIN is declared only under ZMQ_BUILD_DRAFT_API in libzmq 4.3's header,
// although the stable library accepts it (without it, a socket with no ZAP domain skips
// authentication silently). Its value is fixed by libzmq.
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif
#endif
