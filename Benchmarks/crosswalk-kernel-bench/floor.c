/* The floor for Benchmarks/crosswalk-kernel-bench: the least a program can do between a gpio-sim input edge and an
 * output write — libgpiod v1 (Debian 12's 1.6), one blocking edge wait, one set_value, nothing else. Copies the
 * input's level to the output until killed.  Usage: floor CHIP_LABEL INPUT_OFFSET OUTPUT_OFFSET */
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s CHIP_LABEL INPUT_OFFSET OUTPUT_OFFSET\n", argv[0]);
        return 2;
    }
    struct gpiod_chip *chip = gpiod_chip_open_by_label(argv[1]);
    if (!chip) { perror(argv[1]); return 1; }
    struct gpiod_line *in = gpiod_chip_get_line(chip, atoi(argv[2]));
    struct gpiod_line *out = gpiod_chip_get_line(chip, atoi(argv[3]));
    if (!in || !out || gpiod_line_request_both_edges_events(in, "floor") < 0
        || gpiod_line_request_output(out, "floor", 0) < 0) {
        perror("request");
        return 1;
    }
    fprintf(stderr, "floor: ready\n");
    for (;;) {
        struct gpiod_line_event event;
        if (gpiod_line_event_wait(in, NULL) <= 0 || gpiod_line_event_read(in, &event) < 0) { perror("event"); return 1; }
        if (gpiod_line_set_value(out, event.event_type == GPIOD_LINE_EVENT_RISING_EDGE) < 0) { perror("set"); return 1; }
    }
}
