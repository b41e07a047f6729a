/*
 * tree.h: cellos-telemetry-host --tree: read JSON Lines the receiver
 * wrote and print, per cell, its process tree: each instance (joined by
 * exec_id) under its parent, with its binary and arguments, what it
 * exec'd, connected and touched, how it ended; then the events no
 * process is known for and the host's warnings.  An offline reader: it
 * allocates as the files need (jansson parses each line).
 */
#pragma once

/* Print the trees of files[0..n) (none: standard input) on stdout;
 * 0, or 1 when a file could not be read or no line parsed. */
int tree_main(char **files, int n);
