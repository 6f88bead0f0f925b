// efficientrec-floor: the transport floor that `efficientrec bench-floor` measures the cluster
// against. Deliberately plain C over libzmq, with no protobuf work: what a coordinator and its
// shards cost when they do nothing but move frames of the cluster's sizes.
//
//   efficientrec-floor shard <bind endpoint> <reply bytes>
//       ROUTER; answers every frame with a frame of <reply bytes> that starts with the query's
//       first 8 bytes (the coordinator's slot number).
//   efficientrec-floor coordinator <client bind> <sub-request bytes> <response template file>
//                                  <request-ID offset in the template> <shard endpoint>...
//       ROUTER towards clients, one DEALER per shard. Each client frame is fanned out to every
//       shard as a frame of <sub-request bytes>; when all shards have answered, the client gets
//       the template (a real ServerMessage) with its 16-byte request ID copied in, so the same
//       load generator can drive it. The request ID is read from the client's ClientMessage
//       (field 2, RecommendRequest; its field 1) by walking the protobuf tags.
//
// Both print "listening on <endpoint>" when ready and exit 0 on SIGINT/SIGTERM.
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define ID_BYTES 16
#define SLOTS 65536
#define MAX_SHARDS 64
#define MAX_ROUTING 256

static volatile sig_atomic_t stopping = 0;
static void on_signal(int sig) { (void)sig; stopping = 1; }

static void die(const char *what) {
    fprintf(stderr, "efficientrec-floor: %s: %s\n", what, zmq_strerror(zmq_errno()));
    exit(1);
}

static void *open_socket(void *context, int type) {
    void *s = zmq_socket(context, type);
    if (!s) die("zmq_socket");
    int linger = 0, hwm = 100000;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    return s;
}

static void announce(void *socket) {
    char endpoint[256];
    size_t size = sizeof endpoint;
    if (zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, endpoint, &size) != 0) die("ZMQ_LAST_ENDPOINT");
    printf("listening on %s\n", endpoint);
    fflush(stdout);
}

// Reads a varint at *at (bounded by end); returns 0 when truncated.
static int varint(const uint8_t **at, const uint8_t *end, uint64_t *value) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && *at < end; shift += 7) {
        uint8_t byte = *(*at)++;
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) { *value = v; return 1; }
    }
    return 0;
}

// The length-delimited field `field` of the message in [start, end): its bytes, or NULL.
static const uint8_t *find_field(const uint8_t *start, const uint8_t *end, uint64_t field, size_t *length) {
    const uint8_t *at = start;
    while (at < end) {
        uint64_t key, value;
        if (!varint(&at, end, &key)) return NULL;
        switch (key & 7) {
        case 0: if (!varint(&at, end, &value)) return NULL; break;
        case 1: at += 8; break;
        case 5: at += 4; break;
        case 2:
            if (!varint(&at, end, &value) || value > (uint64_t)(end - at)) return NULL;
            if ((key >> 3) == field) { *length = (size_t)value; return at; }
            at += value;
            break;
        default: return NULL;
        }
    }
    return NULL;
}

static int receive_message(void *socket, zmq_msg_t *parts, int capacity) {
    int count = 0, more = 1;
    while (more) {
        zmq_msg_t *part = &parts[count < capacity ? count : capacity - 1];
        if (count >= capacity) zmq_msg_close(part);
        zmq_msg_init(part);
        if (zmq_msg_recv(part, socket, ZMQ_DONTWAIT) < 0) { zmq_msg_close(part); return count == 0 ? -1 : count; }
        if (count < capacity) count++;
        more = zmq_msg_more(part);
    }
    return count;
}

static void close_parts(zmq_msg_t *parts, int count) { for (int i = 0; i < count; i++) zmq_msg_close(&parts[i]); }

static int run_shard(const char *bind, size_t reply_bytes) {
    void *context = zmq_ctx_new();
    void *router = open_socket(context, ZMQ_ROUTER);
    if (zmq_bind(router, bind) != 0) die("bind");
    announce(router);
    if (reply_bytes < 8) reply_bytes = 8;
    uint8_t *reply = calloc(reply_bytes, 1);
    zmq_pollitem_t item = { router, 0, ZMQ_POLLIN, 0 };
    zmq_msg_t parts[4];
    while (!stopping) {
        if (zmq_poll(&item, 1, 100) < 0) { if (zmq_errno() == EINTR) continue; die("zmq_poll"); }
        int count;
        while ((count = receive_message(router, parts, 4)) > 0) {
            if (count >= 2) {
                size_t n = zmq_msg_size(&parts[count - 1]);
                memcpy(reply, zmq_msg_data(&parts[count - 1]), n < 8 ? n : 8);
                zmq_send(router, zmq_msg_data(&parts[0]), zmq_msg_size(&parts[0]), ZMQ_SNDMORE);
                zmq_send(router, reply, reply_bytes, 0);
            }
            close_parts(parts, count);
        }
    }
    zmq_close(router);
    zmq_ctx_term(context);
    return 0;
}

struct slot {
    uint8_t routing[MAX_ROUTING];
    size_t routing_size;
    uint8_t id[ID_BYTES];
    int remaining;
};

static int run_coordinator(const char *bind, size_t sub_bytes, const char *template_path, size_t id_offset,
                           int shard_count, char **shard_endpoints) {
    FILE *f = fopen(template_path, "rb");
    if (!f) { perror(template_path); return 1; }
    uint8_t template[1 << 20];
    size_t template_size = fread(template, 1, sizeof template, f);
    fclose(f);
    if (id_offset + ID_BYTES > template_size) { fprintf(stderr, "efficientrec-floor: ID offset beyond the template\n"); return 1; }
    uint8_t *response = malloc(template_size);
    memcpy(response, template, template_size);
    if (sub_bytes < 8) sub_bytes = 8;
    uint8_t *sub = calloc(sub_bytes, 1);
    struct slot *slots = calloc(SLOTS, sizeof *slots);

    void *context = zmq_ctx_new();
    void *frontend = open_socket(context, ZMQ_ROUTER);
    if (zmq_bind(frontend, bind) != 0) die("bind");
    zmq_pollitem_t items[1 + MAX_SHARDS];
    items[0] = (zmq_pollitem_t){ frontend, 0, ZMQ_POLLIN, 0 };
    void *shards[MAX_SHARDS];
    for (int s = 0; s < shard_count; s++) {
        shards[s] = open_socket(context, ZMQ_DEALER);
        if (zmq_connect(shards[s], shard_endpoints[s]) != 0) die("connect");
        items[1 + s] = (zmq_pollitem_t){ shards[s], 0, ZMQ_POLLIN, 0 };
    }
    announce(frontend);
    uint64_t sequence = 0;
    zmq_msg_t parts[8];
    while (!stopping) {
        if (zmq_poll(items, 1 + shard_count, 100) < 0) { if (zmq_errno() == EINTR) continue; die("zmq_poll"); }
        int count;
        while ((count = receive_message(frontend, parts, 8)) > 0) {
            if (count >= 2 && zmq_msg_size(&parts[0]) <= MAX_ROUTING) {
                uint64_t number = sequence++;
                struct slot *slot = &slots[number % SLOTS];
                const uint8_t *payload = zmq_msg_data(&parts[count - 1]);
                const uint8_t *end = payload + zmq_msg_size(&parts[count - 1]);
                size_t body_size = 0, id_size = 0;
                const uint8_t *body = find_field(payload, end, 2, &body_size);
                const uint8_t *id = body ? find_field(body, body + body_size, 1, &id_size) : NULL;
                memset(slot->id, '#', ID_BYTES);
                if (id && id_size == ID_BYTES) memcpy(slot->id, id, ID_BYTES);
                slot->routing_size = zmq_msg_size(&parts[0]);
                memcpy(slot->routing, zmq_msg_data(&parts[0]), slot->routing_size);
                slot->remaining = shard_count;
                memcpy(sub, &number, 8);
                for (int s = 0; s < shard_count; s++) zmq_send(shards[s], sub, sub_bytes, ZMQ_DONTWAIT);
            }
            close_parts(parts, count);
        }
        for (int s = 0; s < shard_count; s++) {
            while ((count = receive_message(shards[s], parts, 8)) > 0) {
                if (zmq_msg_size(&parts[count - 1]) >= 8) {
                    uint64_t number;
                    memcpy(&number, zmq_msg_data(&parts[count - 1]), 8);
                    struct slot *slot = &slots[number % SLOTS];
                    if (slot->remaining > 0 && --slot->remaining == 0) {
                        memcpy(response + id_offset, slot->id, ID_BYTES);
                        zmq_send(frontend, slot->routing, slot->routing_size, ZMQ_SNDMORE | ZMQ_DONTWAIT);
                        zmq_send(frontend, response, template_size, ZMQ_DONTWAIT);
                    }
                }
                close_parts(parts, count);
            }
        }
    }
    for (int s = 0; s < shard_count; s++) zmq_close(shards[s]);
    zmq_close(frontend);
    zmq_ctx_term(context);
    return 0;
}

int main(int argc, char **argv) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    if (argc == 4 && strcmp(argv[1], "shard") == 0) {
        return run_shard(argv[2], (size_t)strtoull(argv[3], NULL, 10));
    }
    if (argc >= 7 && strcmp(argv[1], "coordinator") == 0 && argc - 6 <= MAX_SHARDS) {
        return run_coordinator(argv[2], (size_t)strtoull(argv[3], NULL, 10), argv[4], (size_t)strtoull(argv[5], NULL, 10),
                               argc - 6, argv + 6);
    }
    fprintf(stderr, "usage: efficientrec-floor shard <bind> <reply bytes>\n"
                    "       efficientrec-floor coordinator <client bind> <sub-request bytes> <template file> <ID offset> <shard endpoint>...\n");
    return 2;
}
