/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plot.h - a picture of a recorded CSV (record.h): the bounds around the
 * estimate's offset from the system clock over time, coloured by status,
 * drawn by gnuplot(1) as PNG or SVG.
 */
#ifndef QOTCTL_PLOT_H
#define QOTCTL_PLOT_H

struct plot_opts {
	const char *csv;     /* a file written by qotctl record */
	const char *output;  /* .png or .svg */
	const char *format;  /* "png", "svg", or NULL: from output's name */
	const char *title;   /* NULL: the CSV's name */
	const char *gnuplot; /* the program; NULL: $QOTCTL_GNUPLOT or gnuplot */
};

/*
 * 0, -EINVAL (a format that is neither png nor svg), -EPROTO (the CSV is not
 * what record writes; *line says where), -ENODATA (no rows), -ENOPKG (no
 * gnuplot), -ECHILD (gnuplot failed), or -errno.
 */
int plot_run(const struct plot_opts *o, long *line);

#endif /* QOTCTL_PLOT_H */
