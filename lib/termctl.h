/* termctl.h: internal to libhvsock. The terminal control protocol, an
 * opt-in framing of a raw terminal session (hvcat --raw) and the command
 * on a pseudo-terminal that it talks to (-e --pty): both sides must ask
 * for it, and a stream that did not ask is never framed.
 *
 * On the wire, each way: the hello (HV__TC_HELLO, fixed bytes), then
 * frames only. A frame is a type byte, a payload length (2 bytes,
 * big-endian, 0 to HV__TC_MAX) and the payload. The listener's side sends
 * its hello first; the client answers with its own, then a window size.
 * Types:
 *   'D' data: the terminal's bytes, any length (an empty frame is allowed)
 *   'W' window size (client -> listener): columns, rows (2 bytes each,
 *       big-endian, both at least 1)
 *   'X' the command's end (listener -> client): how (0 exited, 1 killed by
 *       a signal), then the status or the signal's number (1 byte each)
 * A frame of another type is skipped (a later version may add some); a
 * known type with a payload of the wrong length is malformed data.
 *
 * The hello is an APC string (ESC _ ... ESC \, ECMA-48 8.3.2), which a
 * terminal that does not know it swallows: a client without the option
 * shows nothing of a listener's hello, and the listener, reading the
 * client's keystrokes where its hello should be, says so and closes. */
#ifndef HV_TERMCTL_H
#define HV_TERMCTL_H

#include <stddef.h>
#include <stdint.h>

#define HV__TC_HELLO "\033_hvsock-term-control;1\033\\"
#define HV__TC_HELLO_LEN (sizeof HV__TC_HELLO - 1)
#define HV__TC_MAX 65535u   /* the longest payload */
#define HV__TC_HEADER 3u    /* type, length */
#define HV__TC_CTL_MAX 8u   /* room for a control frame's payload */

enum hv__tc_type {
    HV__TC_DATA = 'D',
    HV__TC_WINSIZE = 'W',
    HV__TC_EXIT = 'X'
};

enum hv__tc_how { HV__TC_EXITED = 0, HV__TC_SIGNALED = 1 };

/* What hv__tc_next found. */
enum hv__tc_kind {
    HV__TC_MORE,    /* all input taken: give more */
    HV__TC_HELLO_OK, /* the peer's hello is complete */
    HV__TC_BYTES,   /* ev.data, ev.len: terminal bytes (part of a frame) */
    HV__TC_SIZE,    /* ev.cols, ev.rows */
    HV__TC_END      /* ev.how, ev.status */
};

struct hv__tc_event {
    enum hv__tc_kind kind;
    const unsigned char *data; /* into the input given */
    size_t len;
    unsigned cols, rows;
    unsigned how, status;
};

/* The decoder of one direction: zeroed, it expects the peer's hello. */
struct hv__tc_dec {
    unsigned char stage;    /* hello, header, payload */
    unsigned char type;     /* the frame's */
    unsigned char have;     /* bytes of the hello, header or control
                             * payload held so far */
    unsigned char buf[HV__TC_CTL_MAX];
    size_t left;            /* payload bytes still to come */
};

/* Decode from in[0..n): *used is what was taken (all of it, or up to the
 * end of one event). 0 with ev set, or HV_EBADDATA: not the hello (the
 * peer does not speak the protocol), or a malformed frame; the decoder
 * then stays failed. */
int hv__tc_next(struct hv__tc_dec *d, const unsigned char *in, size_t n,
                size_t *used, struct hv__tc_event *ev);

/* Encoders: the frame's bytes into out; their count. hv__tc_header is
 * the header alone of a frame of type and len payload bytes (len at most
 * HV__TC_MAX). */
size_t hv__tc_header(unsigned type, size_t len, unsigned char *out);
size_t hv__tc_winsize(unsigned cols, unsigned rows, unsigned char *out);
size_t hv__tc_exit(unsigned how, unsigned status, unsigned char *out);

/* termctl_posix.c: the listener's end, in a process forked for it (only
 * async-signal-safe calls): sock the relay's side of the connection, m
 * and sl the pseudo-terminal's master and slave. It sends the hello,
 * waits for the client's and its window size, sizes the terminal, forks
 * the command (child(sl, cmd, envp), which never returns), carries the
 * frames until the command's side closes or the client leaves, sends the
 * command's end and exits as the command did (the same status, or
 * killed by the same signal). A failure of its own (the client does not
 * speak the protocol, the connection failed, no fork) is written to
 * note as an HV_E* int before it exits (74, or 71), so that the tool
 * tells it from the command's status; it prints nothing. Never
 * returns. */
void hv__tc_serve(int sock, int note, int m, int sl, const char *cmd,
                  char **envp,
                  void (*child)(int fd, const char *cmd, char **envp));

#endif
