/* SPDX-License-Identifier: Apache-2.0 */
/*
 * note.h - a timeline's note: the words its sync daemon adds at the end of
 * its sync line (qot(7), note), one line of printable ASCII:
 *
 *   KEY=VALUE ~KEY=VALUE ... [KEY=VALUE free text to the end]
 *
 * Words are separated by blanks (spaces, tabs). A word is KEY=VALUE (KEY
 * made of letters, digits, '_', '-' and '.'; VALUE not empty), or the same
 * after a '~': a reading refreshed at every write (an age, a delay), whose
 * change alone is no news for the pollers of sync. The first word that is
 * neither starts the free text: it and the rest of the line continue the
 * value before it (a reason, last, may hold spaces). The first word is
 * never free text. Shown in sync as written, without the marks.
 */
#ifndef QOT_NOTE_H
#define QOT_NOTE_H

#include <stdbool.h>
#include <stddef.h>

#define QOT_NOTE_MAX 1023 /* bytes at most, its newline not counted: a qotfs line */

/*
 * The length of the note in buf[0..len) without its newline (one at the
 * end, at most): 0 for an empty note (nothing, or a newline alone).
 * -EINVAL when malformed (a control byte or non-ASCII, another newline, a
 * first word that is not KEY=VALUE), -EMSGSIZE when longer than
 * QOT_NOTE_MAX.
 */
int qot_note_check(const char *buf, size_t len);

/* Whether two checked notes say the same, but for the values of their
 * readings (the ~ words: the same keys, in the same places). */
bool qot_note_same_news(const char *a, size_t alen, const char *b, size_t blen);

/* A checked note as sync shows it, without the marks, NUL-terminated into
 * out (cut to size); its length. */
size_t qot_note_render(const char *note, size_t len, char *out, size_t size);

#endif /* QOT_NOTE_H */
