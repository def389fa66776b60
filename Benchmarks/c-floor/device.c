// The benchmark's Modbus TCP device: 10 holding registers (0..9) that every reply stamps with the time it answers.
// Registers 0..3 hold CLOCK_MONOTONIC in microseconds as a u64, most significant word first (register 0);
// register 4 counts the replies. A subscriber on the same machine subtracts the stamp from its own receive time.
//   device PORT   (serves until killed; any number of clients, one select loop)
#include <errno.h>
#include <modbus/modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void stamp(modbus_mapping_t *map) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    unsigned long long us = (unsigned long long)now.tv_sec * 1000000ULL + (unsigned long long)now.tv_nsec / 1000ULL;
    for (int word = 0; word < 4; word++) map->tab_registers[word] = (uint16_t)(us >> (48 - 16 * word));
    map->tab_registers[4]++;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: device PORT\n");
        return 2;
    }
    modbus_t *ctx = modbus_new_tcp("127.0.0.1", atoi(argv[1]));
    modbus_mapping_t *map = modbus_mapping_new(0, 0, 10, 0);
    if (ctx == NULL || map == NULL) {
        fprintf(stderr, "device: %s\n", modbus_strerror(errno));
        return 1;
    }
    int server = modbus_tcp_listen(ctx, 8);
    if (server < 0) {
        fprintf(stderr, "device: listen on port %s: %s\n", argv[1], modbus_strerror(errno));
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
    fd_set all;
    FD_ZERO(&all);
    FD_SET(server, &all);
    int highest = server;
    uint8_t request[MODBUS_TCP_MAX_ADU_LENGTH];
    for (;;) {
        fd_set ready = all;
        if (select(highest + 1, &ready, NULL, NULL, NULL) < 0) {
            if (errno == EINTR) continue;
            perror("device: select");
            return 1;
        }
        for (int fd = 0; fd <= highest; fd++) {
            if (!FD_ISSET(fd, &ready)) continue;
            if (fd == server) {
                int client = accept(server, NULL, NULL);
                if (client < 0) continue;
                FD_SET(client, &all);
                if (client > highest) highest = client;
                continue;
            }
            modbus_set_socket(ctx, fd);
            int length = modbus_receive(ctx, request);
            if (length > 0) {
                stamp(map);
                modbus_reply(ctx, request, length, map);
            } else if (length < 0) {
                close(fd);
                FD_CLR(fd, &all);
            }
        }
    }
}
