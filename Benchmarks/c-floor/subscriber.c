// The benchmark's measuring subscriber (C, libmosquitto, so the probe costs the same for every poller).
//   subscriber MQTT_PORT TOPIC QOS SKIP SECONDS
//     Discards the first SKIP messages (warm-up), then for SECONDS takes each message's latency — its receive time
//     on CLOCK_MONOTONIC minus the device's stamp in registers r0..r3 of the JSON (see device.c) — and prints
//     {"messages": N, "rate": msg/s, "p50_ms": …, "p99_ms": …, "stamped": how many carried a stamp}.
//   subscriber MQTT_PORT TOPIC QOS first TEXT
//     Prints the CLOCK_MONOTONIC microsecond at which the first message containing TEXT arrived, then exits.
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *topic;
static int qos;
static long skip;
static double seconds;
static const char *first_text;
static long seen;
static long long window_start_us;
static double *latencies;
static long latency_count, latency_capacity, measured;
static int done;

static long long now_us(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000000LL + now.tv_nsec / 1000;
}

// The integer after "KEY": in the payload, or -1.
static long long field(const char *payload, const char *key) {
    char pattern[16];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr(payload, pattern);
    if (at == NULL) return -1;
    return strtoll(at + strlen(pattern), NULL, 10);
}

static void on_connect(struct mosquitto *client, void *user, int rc) {
    (void)user;
    if (rc != 0) {
        fprintf(stderr, "subscriber: connack %d\n", rc);
        exit(1);
    }
    mosquitto_subscribe(client, NULL, topic, qos);
}

static void on_subscribe(struct mosquitto *client, void *user, int mid, int count, const int *granted) {
    (void)client, (void)user, (void)mid, (void)count, (void)granted;
    printf("ready\n");
    fflush(stdout);
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void on_message(struct mosquitto *client, void *user, const struct mosquitto_message *message) {
    (void)user;
    long long received = now_us();
    char text[1024];
    int length = message->payloadlen < (int)sizeof text - 1 ? message->payloadlen : (int)sizeof text - 1;
    memcpy(text, message->payload, (size_t)length);
    text[length] = 0;
    if (first_text != NULL) {
        if (strstr(text, first_text) != NULL) {
            printf("%lld\n", received);
            done = 1;
            mosquitto_disconnect(client);
        }
        return;
    }
    if (seen++ < skip) return;
    if (measured == 0) window_start_us = received;
    if (received - window_start_us > (long long)(seconds * 1e6)) {
        done = 1;
        mosquitto_disconnect(client);
        return;
    }
    measured++;
    long long words[4];
    static const char *keys[4] = {"r0", "r1", "r2", "r3"};
    for (int i = 0; i < 4; i++) {
        words[i] = field(text, keys[i]);
        if (words[i] < 0) return;
    }
    long long stamp = (words[0] << 48) | (words[1] << 32) | (words[2] << 16) | words[3];
    if (latency_count == latency_capacity) {
        latency_capacity = latency_capacity ? latency_capacity * 2 : 4096;
        latencies = realloc(latencies, sizeof *latencies * (size_t)latency_capacity);
    }
    latencies[latency_count++] = (double)(received - stamp) / 1000.0;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: subscriber MQTT_PORT TOPIC QOS SKIP SECONDS | subscriber MQTT_PORT TOPIC QOS first TEXT\n");
        return 2;
    }
    topic = argv[2];
    qos = atoi(argv[3]);
    if (strcmp(argv[4], "first") == 0) {
        first_text = argv[5];
    } else {
        skip = atol(argv[4]);
        seconds = atof(argv[5]);
    }
    mosquitto_lib_init();
    struct mosquitto *client = mosquitto_new(NULL, true, NULL);
    mosquitto_connect_callback_set(client, on_connect);
    mosquitto_subscribe_callback_set(client, on_subscribe);
    mosquitto_message_callback_set(client, on_message);
    if (mosquitto_connect(client, "127.0.0.1", atoi(argv[1]), 30) != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "subscriber: mqtt 127.0.0.1:%s: connect failed\n", argv[1]);
        return 1;
    }
    // Bounded: a poller that stops publishing ends the window at its time; none at all ends the run after a minute.
    long long give_up = now_us() + 60000000LL + (long long)(seconds * 1e6);
    while (!done) {
        long long now = now_us();
        if ((measured > 0 && now - window_start_us > (long long)(seconds * 1e6)) || now > give_up) break;
        int rc = mosquitto_loop(client, 100, 1);
        if (rc != MOSQ_ERR_SUCCESS && !done) {
            fprintf(stderr, "subscriber: connection lost (%s)\n", mosquitto_strerror(rc));
            return 1;
        }
    }
    if (first_text != NULL) return done ? 0 : 1;
    qsort(latencies, (size_t)latency_count, sizeof *latencies, compare);
    double p50 = latency_count ? latencies[latency_count / 2] : -1;
    double p99 = latency_count ? latencies[(long)((double)latency_count * 0.99)] : -1;
    printf("{\"messages\": %ld, \"rate\": %.1f, \"p50_ms\": %.4f, \"p99_ms\": %.4f, \"stamped\": %ld}\n", measured,
           (double)measured / seconds, p50, p99, latency_count);
    return 0;
}
