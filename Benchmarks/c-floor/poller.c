// The C floor: poll 10 holding registers of a Modbus TCP device, publish them as JSON over MQTT, nothing else.
// libmodbus for the device, libmosquitto (its own network thread) for the broker, one loop on an absolute clock.
//   poller MODBUS_PORT MQTT_PORT TOPIC PERIOD_MS QOS   (PERIOD_MS 0: poll back to back; serves until killed)
#include <errno.h>
#include <modbus/modbus.h>
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: poller MODBUS_PORT MQTT_PORT TOPIC PERIOD_MS QOS\n");
        return 2;
    }
    long period_ns = atol(argv[4]) * 1000000L;
    int qos = atoi(argv[5]);
    modbus_t *device = modbus_new_tcp("127.0.0.1", atoi(argv[1]));
    if (device == NULL || modbus_connect(device) != 0) {
        fprintf(stderr, "poller: modbus 127.0.0.1:%s: %s\n", argv[1], modbus_strerror(errno));
        return 1;
    }
    mosquitto_lib_init();
    struct mosquitto *broker = mosquitto_new(NULL, true, NULL);
    if (broker == NULL || mosquitto_connect(broker, "127.0.0.1", atoi(argv[2]), 30) != MOSQ_ERR_SUCCESS ||
        mosquitto_loop_start(broker) != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "poller: mqtt 127.0.0.1:%s: connect failed\n", argv[2]);
        return 1;
    }
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    uint16_t registers[10];
    char payload[256];
    for (unsigned long seq = 0;; seq++) {
        if (modbus_read_registers(device, 0, 10, registers) != 10) {
            fprintf(stderr, "poller: read holding 0..9: %s\n", modbus_strerror(errno));
            return 1;
        }
        int length = snprintf(
            payload, sizeof payload,
            "{\"seq\":%lu,\"values\":{\"r0\":%u,\"r1\":%u,\"r2\":%u,\"r3\":%u,\"r4\":%u,\"r5\":%u,\"r6\":%u,"
            "\"r7\":%u,\"r8\":%u,\"r9\":%u}}",
            seq, registers[0], registers[1], registers[2], registers[3], registers[4], registers[5], registers[6],
            registers[7], registers[8], registers[9]);
        mosquitto_publish(broker, NULL, argv[3], length, payload, qos, false);
        if (period_ns > 0) {
            next.tv_nsec += period_ns;
            while (next.tv_nsec >= 1000000000L) {
                next.tv_nsec -= 1000000000L;
                next.tv_sec++;
            }
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        }
    }
}
