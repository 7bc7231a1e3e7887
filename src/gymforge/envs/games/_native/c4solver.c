/*
 * gymforge ConnectFour solver: exact game-theoretic values of 7x6 positions.
 *
 * Built as a plain shared library (no Python C API) by hatch_build.py and loaded
 * with ctypes by gymforge/envs/games/_solver.py, which also holds a pure-Python
 * twin of this search used when the library is missing and by the tests.
 *
 * Board layout: column c owns bits 7c .. 7c+5 (row 0 at the bottom) plus a spare
 * bit 7c+6, so lines never wrap. A position is (cur, mask, moves): the stones of
 * the side to move, all stones, and the number of stones played.
 *
 * Score convention, from the side to move: 0 is a draw; a win with the mover's own
 * k-th stone (counting stones of the side to move from the start of the game)
 * scores 22 - k, a loss scores -(22 - k) where k counts the winner's stones.
 * So a quicker win scores higher and a slower loss scores higher (less negative).
 *
 * The search is negamax with alpha-beta on a null window inside an iterative
 * narrowing of [min, max] (a binary search on the score), a transposition table
 * of upper bounds, centre-first move ordering refined by how many new threats a
 * move creates, and pruning of every move that hands the opponent an immediate
 * win. These are the standard techniques of the solved-game literature (Allis
 * 1988; Tromp; P. Pons' write-up "Solving Connect 4"); the code is our own.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WIDTH 7
#define HEIGHT 6
#define H1 (HEIGHT + 1)
#define CELLS (WIDTH * HEIGHT)
#define MIN_SCORE (-(CELLS) / 2 + 3)
#define MAX_SCORE ((CELLS + 1) / 2 - 3)

typedef uint64_t board_t;

static const board_t BOTTOM = 0x0040810204081ULL;     /* bit 7c for c in 0..6 */
static const board_t FULL = 0x0040810204081ULL * 63ULL; /* rows 0..5 of every column */

/* Transposition table: the low 32 bits of the 49-bit key and a biased upper bound.
 * The size is a prime above 2^17, so (key mod size, key mod 2^32) identifies a key
 * uniquely (Chinese remainder theorem): no false hits. A stored value v in
 * 1..UPPER_TOP is the upper bound v + MIN_SCORE - 1; above it, the lower bound
 * v - LOWER_BIAS. 0 means empty. Keys are canonical under left-right mirroring. */
#define TT_SIZE 16777213u
static uint32_t *tt_keys = NULL;
static uint8_t *tt_vals = NULL;
static uint64_t nodes = 0;
#define UPPER_TOP (MAX_SCORE - MIN_SCORE + 1)
#define LOWER_BIAS (UPPER_TOP - MIN_SCORE + 1)

static int tt_init(void) {
    if (tt_keys != NULL) return 1;
    tt_keys = (uint32_t *)calloc(TT_SIZE, sizeof(uint32_t));
    tt_vals = (uint8_t *)calloc(TT_SIZE, sizeof(uint8_t));
    if (tt_keys == NULL || tt_vals == NULL) {
        free(tt_keys);
        free(tt_vals);
        tt_keys = NULL;
        tt_vals = NULL;
        return 0;
    }
    return 1;
}

static inline void tt_put(board_t key, uint8_t val) {
    uint32_t i = (uint32_t)(key % TT_SIZE);
    tt_keys[i] = (uint32_t)key;
    tt_vals[i] = val;
}

static inline uint8_t tt_get(board_t key) {
    uint32_t i = (uint32_t)(key % TT_SIZE);
    return tt_keys[i] == (uint32_t)key ? tt_vals[i] : 0;
}

/* The key of the left-right mirror image (column c <-> column 6 - c). */
static inline board_t mirror(board_t key) {
    board_t out = 0;
    for (int c = 0; c < WIDTH; c++) out |= ((key >> (c * H1)) & 0x7F) << ((WIDTH - 1 - c) * H1);
    return out;
}

static inline board_t canonical(board_t key) {
    board_t m = mirror(key);
    return m < key ? m : key;
}

static inline int popcount(board_t b) { return __builtin_popcountll(b); }

/* Empty cells (anywhere on the board) where the stones `pos` would complete four. */
static inline board_t threats(board_t pos, board_t mask) {
    board_t r = (pos << 1) & (pos << 2) & (pos << 3); /* vertical: from below only */
    board_t p;
    /* horizontal */
    p = (pos << H1) & (pos << 2 * H1);
    r |= p & (pos << 3 * H1);
    r |= p & (pos >> H1);
    p = (pos >> H1) & (pos >> 2 * H1);
    r |= p & (pos << H1);
    r |= p & (pos >> 3 * H1);
    /* diagonal \ */
    p = (pos << (H1 - 1)) & (pos << 2 * (H1 - 1));
    r |= p & (pos << 3 * (H1 - 1));
    r |= p & (pos >> (H1 - 1));
    p = (pos >> (H1 - 1)) & (pos >> 2 * (H1 - 1));
    r |= p & (pos << (H1 - 1));
    r |= p & (pos >> 3 * (H1 - 1));
    /* diagonal / */
    p = (pos << (H1 + 1)) & (pos << 2 * (H1 + 1));
    r |= p & (pos << 3 * (H1 + 1));
    r |= p & (pos >> (H1 + 1));
    p = (pos >> (H1 + 1)) & (pos >> 2 * (H1 + 1));
    r |= p & (pos << (H1 + 1));
    r |= p & (pos >> 3 * (H1 + 1));
    return r & (FULL ^ mask);
}

static inline board_t playable(board_t mask) { return (mask + BOTTOM) & FULL; }

static inline board_t column_mask(int col) { return ((board_t)63) << (col * H1); }

/* Playable cells that do not hand the opponent an immediate win; 0 when every move
 * loses at once (two open opponent threats, or one and nowhere else to go). */
static inline board_t non_losing(board_t cur, board_t mask) {
    board_t moves = playable(mask);
    board_t theirs = threats(cur ^ mask, mask);
    board_t forced = moves & theirs;
    if (forced) {
        if (forced & (forced - 1)) return 0;
        moves = forced;
    }
    return moves & ~(theirs >> 1);
}

static const int ORDER[WIDTH] = {3, 2, 4, 1, 5, 0, 6};

/* Negamax on a position where the side to move cannot win with its next stone. */
static int negamax(board_t cur, board_t mask, int moves, int alpha, int beta) {
    nodes++;
    board_t next = non_losing(cur, mask);
    if (next == 0) return -(CELLS - moves) / 2;
    if (moves >= CELLS - 2) return 0;

    int lo = -(CELLS - 2 - moves) / 2;
    if (alpha < lo) {
        alpha = lo;
        if (alpha >= beta) return alpha;
    }
    int hi = (CELLS - 1 - moves) / 2;
    board_t key = canonical(cur + mask);
    uint8_t cached = tt_get(key);
    if (cached > UPPER_TOP) {
        int floor_ = (int)cached - LOWER_BIAS;
        if (alpha < floor_) {
            alpha = floor_;
            if (alpha >= beta) return alpha;
        }
    } else if (cached) {
        hi = (int)cached + MIN_SCORE - 1;
    }
    if (beta > hi) {
        beta = hi;
        if (alpha >= beta) return beta;
    }

    /* Order: more threats created first; ties keep centre-first order (stable). */
    board_t cand[WIDTH];
    int score[WIDTH];
    int n = 0;
    for (int i = 0; i < WIDTH; i++) {
        board_t m = next & column_mask(ORDER[i]);
        if (!m) continue;
        int s = popcount(threats(cur | m, mask));
        int j = n++;
        while (j > 0 && score[j - 1] < s) {
            cand[j] = cand[j - 1];
            score[j] = score[j - 1];
            j--;
        }
        cand[j] = m;
        score[j] = s;
    }
    for (int i = 0; i < n; i++) {
        board_t nmask = mask | cand[i];
        int v = -negamax(cur ^ mask, nmask, moves + 1, -beta, -alpha);
        if (v >= beta) {
            if (v >= MIN_SCORE) tt_put(key, (uint8_t)(v + LOWER_BIAS));
            return v;
        }
        if (v > alpha) alpha = v;
    }
    if (alpha >= MIN_SCORE) tt_put(key, (uint8_t)(alpha - MIN_SCORE + 1));
    return alpha;
}

/* Exact score of a position that is not over (see the header for the scale).
 * weak != 0 only decides the sign (-1, 0, +1), which is much cheaper.
 * Returns -1000 when the transposition table cannot be allocated. */
int gf_c4_solve(uint64_t cur, uint64_t mask, int moves, int weak) {
    if (!tt_init()) return -1000;
    if (threats(cur, mask) & playable(mask)) return (CELLS + 1 - moves) / 2;
    int lo = -(CELLS - moves) / 2;
    int hi = (CELLS + 1 - moves) / 2;
    if (weak) {
        lo = -1;
        hi = 1;
    }
    while (lo < hi) {
        int med = lo + (hi - lo) / 2;
        if (med <= 0 && lo / 2 < med)
            med = lo / 2;
        else if (med >= 0 && hi / 2 > med)
            med = hi / 2;
        int r = negamax(cur, mask, moves, med, med + 1);
        if (r <= med)
            hi = r;
        else
            lo = r;
    }
    return lo;
}

/* The columns (bit c set for column c) whose moves keep the exact score of the
 * position, i.e. every optimal move; *score receives that score. weak != 0 keeps
 * only the outcome (win, draw or loss) instead of the exact score. Returns 0 when
 * the game is over or the table cannot be allocated (*score is then untouched). */
int gf_c4_optimal(uint64_t cur, uint64_t mask, int moves, int weak, int *score) {
    board_t open = playable(mask);
    if (!open || moves >= CELLS) return 0;
    if (!tt_init()) return 0;
    int out = 0;
    board_t wins = threats(cur, mask) & open;
    if (wins) { /* every immediately winning column is optimal */
        for (int c = 0; c < WIDTH; c++)
            if (wins & column_mask(c)) out |= 1 << c;
        *score = (CELLS + 1 - moves) / 2;
        return out;
    }
    board_t safe = non_losing(cur, mask);
    if (!safe) { /* every move hands the opponent a win at once: all equally bad */
        for (int c = 0; c < WIDTH; c++)
            if (open & column_mask(c)) out |= 1 << c;
        *score = -(CELLS - moves) / 2;
        return out;
    }
    int v = gf_c4_solve(cur, mask, moves, weak);
    if (weak) v = v > 0 ? 1 : (v < 0 ? -1 : 0);
    for (int c = 0; c < WIDTH; c++) {
        board_t m = safe & column_mask(c);
        if (!m) continue;
        board_t ncur = cur ^ mask, nmask = mask | m;
        int ok;
        if (weak) {
            /* the child's outcome for the opponent must be the opposite of v */
            int r = gf_c4_solve(ncur, nmask, moves + 1, 1);
            int o = r > 0 ? 1 : (r < 0 ? -1 : 0);
            ok = (o == -v);
        } else {
            /* the child's exact score is >= -v always; it is optimal iff <= -v */
            ok = negamax(ncur, nmask, moves + 1, -v, -v + 1) <= -v;
        }
        if (ok) out |= 1 << c;
    }
    *score = v;
    return out;
}

/* Nodes searched since the last reset (for benchmarks). */
uint64_t gf_c4_nodes(void) { return nodes; }

/* Forget every cached bound (frees nothing). */
void gf_c4_reset(void) {
    nodes = 0;
    if (tt_keys != NULL) {
        memset(tt_keys, 0, TT_SIZE * sizeof(uint32_t));
        memset(tt_vals, 0, TT_SIZE * sizeof(uint8_t));
    }
}
