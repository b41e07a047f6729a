/*
 * tree.c: --tree (tree.h).  Per cell: an array of nodes, a jansson object
 * as the exec_id -> node index map, and each node's items (one text per
 * event, in file order) and children.  Printed depth first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "lib/log.h"
#include "tree.h"

#define CE_PREFIX "dev.cellos.events.cell.observability.guest.v1."

struct list {
	char **v;
	size_t n, cap;
};

struct node {
	char *title;			/* pid, exe, argv */
	const char *id;			/* exec_id (owned by the map's key) */
	char *parent;			/* its parent's exec_id, or NULL */
	struct list items;
	size_t *kids, nkids, capkids;
	int has_parent;			/* the parent is a node of this cell */
};

struct cell {
	char *id;
	json_t *map;			/* exec_id -> node index */
	struct node *nodes;
	size_t n, cap;
	struct list loose;		/* events of no known process */
	struct list warnings;		/* the host's own events */
};

static struct cell *cells;
static size_t ncells, capcells;

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	*cap = *cap ? *cap * 2 : 16;
	if (*cap < need)
		*cap = need;
	if (!(p = realloc(p, *cap * size)))
		fatal("realloc");
	return p;
}

static void add(struct list *l, char *s)
{
	l->v = grow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = s;
}

static char *dup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		fatal("strdup");
	return d;
}

static struct cell *cell_of(const char *id)
{
	size_t i;

	for (i = 0; i < ncells; i++)
		if (!strcmp(cells[i].id, id))
			return &cells[i];
	cells = grow(cells, &capcells, ncells + 1, sizeof(*cells));
	memset(&cells[ncells], 0, sizeof(cells[0]));
	cells[ncells].id = dup(id);
	cells[ncells].map = json_object();
	return &cells[ncells++];
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* argv as words: quoted when empty or holding a space. */
static void words(char *out, size_t cap, json_t *argv)
{
	size_t i, n = 0;
	json_t *a;
	const char *s;

	out[0] = 0;
	json_array_foreach(argv, i, a) {
		s = json_string_value(a);
		if (!s || n + 4 >= cap)
			break;
		n += (size_t)snprintf(out + n, cap - n, strpbrk(s, " \t") || !*s ?
				      " \"%s\"" : " %s", s);
		if (n >= cap)
			n = cap - 1;
	}
}

/* A copy of s for one line of the tree: control bytes as \n, \t or
 * '?', cut after TEXT_MAX bytes (on a character boundary) with "...". */
#define TEXT_MAX 160
static char *line_of(const char *s)
{
	char buf[4 * TEXT_MAX + 8];
	size_t n = 0;

	for (; *s && n < TEXT_MAX; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n' || c == '\t') {
			buf[n++] = '\\';
			buf[n++] = c == '\n' ? 'n' : 't';
		} else {
			buf[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
		}
	}
	while (*s && n > 0 && ((unsigned char)*s & 0xc0) == 0x80)
		buf[n++] = *s++;	/* finish the character */
	if (*s)
		memcpy(buf + n, "...", 3), n += 3;
	buf[n] = 0;
	return dup(buf);
}

/* "pid exe args" of a process block. */
static char *title(json_t *p)
{
	char args[512], buf[1024];
	const char *exe = str(p, "exe");

	words(args, sizeof(args), json_object_get(p, "argv"));
	snprintf(buf, sizeof(buf), "%lld %s%s",
		 (long long)json_integer_value(json_object_get(p, "pid")),
		 exe ? exe : "(binary unknown)", args);
	return line_of(buf);
}

/* The node of exec_id id in c, made from block p when new. */
static struct node *node(struct cell *c, const char *id, json_t *p)
{
	json_t *ix = json_object_get(c->map, id);
	struct node *n;

	if (ix)
		return &c->nodes[json_integer_value(ix)];
	c->nodes = grow(c->nodes, &c->cap, c->n + 1, sizeof(*c->nodes));
	n = &c->nodes[c->n];
	memset(n, 0, sizeof(*n));
	json_object_set_new(c->map, id, json_integer((json_int_t)c->n++));
	n->id = json_object_iter_key(json_object_iter_at(c->map, id));
	n->title = title(p);
	return n;
}

/* The message without its leading "name[pid] ". */
static const char *short_msg(const char *m)
{
	const char *b = m ? strstr(m, "] ") : NULL;

	return !m ? "" : b && !memchr(m, ' ', (size_t)(b - m)) ? b + 2 : m;
}

/* The item a guest event adds under its process. */
static char *item(const char *type, json_t *d)
{
	char args[512], buf[1024];
	const char *exe = str(d, "exe");

	if (!strcmp(type, "process_exec")) {
		words(args, sizeof(args), json_object_get(d, "argv"));
		snprintf(buf, sizeof(buf), "exec %s%s", exe ? exe : "?", args);
		return line_of(buf);
	}
	return line_of(short_msg(str(d, "message")));
}

/* One line of the file. */
static void take(json_t *ev)
{
	json_t *d = json_object_get(ev, "data"), *p = json_object_get(d, "process");
	json_t *pp = json_object_get(d, "parent");
	const char *type = str(ev, "type"), *cell = str(d, "cell_id"), *id;
	struct cell *c;
	struct node *n;

	if (!type || !cell || strncmp(type, CE_PREFIX, strlen(CE_PREFIX)))
		return;
	type += strlen(CE_PREFIX);
	c = cell_of(cell);
	if (!strcmp(str(d, "severity") ? str(d, "severity") : "", "warning")) {
		add(&c->warnings, line_of(str(d, "message")));
		return;
	}
	if (!p)
		return;				/* the agent's own frames */
	id = str(p, "exec_id");
	if (!id || !strcmp(id, "unknown")) {
		add(&c->loose, line_of(str(d, "message")));
		return;
	}
	n = node(c, id, p);
	if (pp && str(pp, "exec_id") && strcmp(str(pp, "exec_id"), "unknown") &&
	    !n->parent)
		n->parent = dup(str(pp, "exec_id"));
	if (strcmp(type, "process_spawned"))
		add(&n->items, item(type, d));
}

/* Read one stream; -1 when it could not be read. */
static int read_file(FILE *f, const char *name, size_t *good)
{
	char *line = NULL;
	size_t cap = 0;
	json_error_t err;
	json_t *ev;

	while (getline(&line, &cap, f) > 0) {
		if (!(ev = json_loads(line, 0, &err))) {
			log_warnx("%s: %s", name, err.text);
			continue;
		}
		take(ev);
		json_decref(ev);
		(*good)++;
	}
	free(line);
	return ferror(f) ? -1 : 0;
}

/* Children lists, once every node is known. */
static void link_kids(struct cell *c)
{
	json_t *ix;
	size_t i;
	struct node *p;

	for (i = 0; i < c->n; i++) {
		if (!c->nodes[i].parent ||
		    !(ix = json_object_get(c->map, c->nodes[i].parent)))
			continue;
		p = &c->nodes[json_integer_value(ix)];
		p->kids = grow(p->kids, &p->capkids, p->nkids + 1, sizeof(size_t));
		p->kids[p->nkids++] = i;
		c->nodes[i].has_parent = 1;
	}
}

static void print_node(struct cell *c, size_t i, const char *pre, int last,
		       int depth)
{
	struct node *n = &c->nodes[i];
	char sub[512];
	size_t k;

	printf("%s%s%s\n", pre, depth ? (last ? "└─ " : "├─ ") : "", n->title);
	snprintf(sub, sizeof(sub), "%s%s", pre, depth ? (last ? "   " : "│  ") : "");
	for (k = 0; k < n->items.n; k++)
		printf("%s%s %s\n", sub, n->nkids ? "│" : " ", n->items.v[k]);
	for (k = 0; k < n->nkids && depth < 64; k++)
		print_node(c, n->kids[k], sub, k + 1 == n->nkids, depth + 1);
}

static void print_cell(struct cell *c)
{
	size_t i;

	link_kids(c);
	printf("cell %s: %zu processes\n", c->id, c->n);
	for (i = 0; i < c->n; i++)
		if (!c->nodes[i].has_parent) {
			if (c->nodes[i].parent)
				printf("  (parent %s)\n", c->nodes[i].parent);
			print_node(c, i, "  ", 1, 0);
		}
	for (i = 0; i < c->loose.n; i++)
		printf("  (process unknown) %s\n", c->loose.v[i]);
	for (i = 0; i < c->warnings.n; i++)
		printf("  ! %s\n", c->warnings.v[i]);
}

int tree_main(char **files, int n)
{
	size_t good = 0, i;
	int k, bad = 0;
	FILE *f;

	if (n == 0)
		bad |= read_file(stdin, "-", &good) < 0;
	for (k = 0; k < n; k++) {
		if (!(f = fopen(files[k], "re"))) {
			log_warn("%s", files[k]);
			bad = 1;
			continue;
		}
		bad |= read_file(f, files[k], &good) < 0;
		fclose(f);
	}
	for (i = 0; i < ncells; i++)
		print_cell(&cells[i]);
	return bad || !good ? 1 : 0;
}
