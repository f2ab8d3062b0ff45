/*
 * reliability.pml: section 14's reliable delivery from a sender A to a receiver B, messages on one
 * ordered channel (or unordered with -DUNORDERED), written from spec/ alone (14.1-14.8, 14.10).
 *
 * Properties:
 *  (b) B hands every message to the application at most once ([SW-14.3-1]);
 *  (o) B delivers an ordered message only after its PREV was delivered or given up by A
 *      ([SW-14.7-3]);
 *  (k) an ACK never lies: A counts an id acknowledged only if B took it ([SW-14.3-4]);
 *  (d) with -DLIVE: every message is acknowledged or given up (its sender told), and everything B
 *      took is delivered, in every run: no deadlock (an invalid end state) and no cycle without
 *      progress (compile with -DNP, run `pan -l`). LIVE is the fair-loss assumption: the network
 *      loses at most LMAX datagrams in a row per direction, and timers fire only when nothing is
 *      in flight (a timeout is longer than a round trip once the path is quiet).
 *
 * Abstraction: messages are single fragments, all present in the outbox at the start, given ids
 * 1..N at first transmission ([SW-14.2-3]); a datagram carries at most one MSG plus the FORWARD
 * that rides on every datagram while owed ([SW-14.7-5]); an ACK carries CUM and every range
 * (MAX_ACK_RANGES is not reached with N ids). Every datagram is fresh here (answers.pml and
 * restarts.pml cover freshness); duplicates are dropped by the replay window, so the network
 * does not make them. -DNODEADLINE: nothing is ever given up.
 */

#ifndef N
#define N 3          /* messages; ids 1..N */
#endif
#ifndef W
#define W 2          /* RECEIVE_WINDOW = INITIAL_PEER_WINDOW */
#endif
#ifndef QA
#define QA 2         /* datagrams in flight A -> B */
#endif
#ifndef QB
#define QB 2         /* datagrams in flight B -> A */
#endif
#ifndef LMAX
#define LMAX 1       /* LIVE: losses in a row per direction */
#endif

/* message states at A, indexed by message 1..N (ids follow in order, but a message given up in
 * the outbox gets none) */
#define OUTBOX 1
#define FLIGHT 2
#define ACKED 3
#define FAILED 4

byte st[N + 1];      /* per message */
byte idOf[N + 1];    /* its id, 0 = none yet */
byte msgOf[N + 2];   /* per id: its message */
bit  gaveUp[N + 2];  /* per id: A gave it up ([SW-14.7-1]) */
byte nextId = 1;
byte lastOrd;        /* id of the last ordered message given ids (PREV of the next) */
byte cumA = 1;       /* CUM of the newest ACK ([SW-14.5-1]) */
byte flr = 1;        /* A's FLOOR (derived: kept up to date by floorA) */
byte nOut, nFlight;  /* messages in the outbox, in flight (derived) */
byte prevOfA[N + 2]; /* the PREV A gave each id */

/* B */
byte base = 1;       /* every id below is settled ([SW-14.3-1]) */
bit  rng[N + 2];     /* ids received at or above base (forgotten below it, [SW-14.3-7]) */
bit  held[N + 2];    /* the hold-back buffer: taken, not yet delivered ([SW-14.7-3]) */
byte prevOf[N + 2];  /* PREV of a held id */
bit  took[N + 2];    /* ghost, for (k): B took the id at some time */
bit  deliv[N + 2];   /* ghost, for (b) and (o): delivered */
byte lastDel;        /* the last ordered message delivered ([SW-14.7-3]) */
byte fwdB;           /* the sender's FLOOR from the last FORWARD */
bit  ackOwed;

typedef ADg { byte id; byte prev; byte fwd }       /* A -> B: MSG (id 0: none), FORWARD */
typedef BDg { byte cum; byte ranges }              /* B -> A: ACK; ranges: bit i = id i */
ADg qa[QA]; byte na;
BDg qb[QB]; byte nb;
byte lostA = 0, lostB = 0;                         /* LIVE: losses in a row */

/* Scratch, written before it is read within one d_step: not part of the state. (Names must
 * not clash with pan's own C locals, such as t; and a hidden declaration must follow one with
 * an initializer, or spin hides the one before it too.) */
hidden byte i, j, f, ok;
hidden byte ackNow;
hidden ADg a;
hidden BDg b;

/* A's FLOOR: its lowest id neither acknowledged nor given up, or its next id ([SW-14.7-5]) */
inline floorA() {
  f = 1;
  do
  :: f < nextId && (st[msgOf[f]] == ACKED || gaveUp[f]) -> f++
  :: else -> break
  od;
  flr = f;
  nOut = 0; nFlight = 0; j = 1;
  do
  :: j <= N -> if :: st[j] == OUTBOX -> nOut++ :: st[j] == FLIGHT -> nFlight++ :: else fi; j++
  :: else -> break
  od;
  skip     /* (a d_step may not end in a loop) */
}

inline sendA(theId, thePrev) {
  if
  :: na < QA ->
       printf("A sends MSG id %d (PREV %d), FORWARD %d\n", theId, thePrev, (flr > cumA -> flr : 0));
       qa[na].id = theId; qa[na].prev = thePrev;
       if :: flr > cumA -> qa[na].fwd = flr :: else -> qa[na].fwd = 0 fi;   /* every datagram */
       na++
  :: else                                                              /* lost */
  fi
}
inline sendB() {
  if
  :: nb < QB ->
       printf("B sends ACK CUM %d\n", base);
       qb[nb].cum = base; qb[nb].ranges = 0;
       j = base;
       do :: j <= N -> if :: rng[j] -> qb[nb].ranges = qb[nb].ranges | (1 << j) :: else fi; j++
          :: else -> break od;
       nb++
  :: else
  fi;
  ackOwed = 0
}

/* ---- B ---- */
inline deliverable(x) {
  /* [SW-14.7-3]: p = 0, or the last ordered message delivered has an id >= p, or p is below the
   * FLOOR of the last FORWARD and neither held back nor being reassembled */
  ok = (prevOf[x] == 0 || lastDel >= prevOf[x] ||
       (prevOf[x] < fwdB && !held[prevOf[x]]))
}
inline deliver(x) {
  assert(!deliv[x]);                                         /* (b) */
  assert(prevOf[x] == 0 || deliv[prevOf[x]] || gaveUp[prevOf[x]]);   /* (o) */
  deliv[x] = 1; printf("B delivers id %d\n", x);
  held[x] = 0;
  lastDel = x
}
/* deliver every taken message that can go, until none can ([SW-14.7-3]) */
inline drain() {
  i = 1;
  do
  :: i <= N ->
       if
       :: held[i] ->
            deliverable(i);
            if :: ok -> deliver(i); i = 1 :: else -> i++ fi
       :: else -> i++
       fi
  :: else -> break
  od;
  skip
}
inline advanceBase() {
  do :: base <= N && rng[base] -> rng[base] = 0; base++ :: else -> break od;
  skip
}
inline receiveB() {
  /* FORWARD first or MSG first: a datagram has the FORWARD before the MSG ([SW-14.10-1]) */
  if
  :: a.fwd != 0 ->
       if :: a.fwd > fwdB -> fwdB = a.fwd :: else fi;
       if                                                    /* [SW-14.3-7] */
       :: a.fwd > base ->
            do :: base < a.fwd -> rng[base] = 0; base++ :: else -> break od
       :: else
       fi;
       advanceBase(); drain();
       ackNow = 1                                            /* owed in any case, at once */
  :: else
  fi;
  if
  :: a.id != 0 ->
       if
       :: a.id < base || rng[a.id] -> ackNow = 1             /* duplicate: ACK again at once */
       :: else ->
            if
            :: a.id >= base + W -> skip                      /* not taken, not acknowledged */
            :: else ->
                 rng[a.id] = 1; held[a.id] = 1; took[a.id] = 1; prevOf[a.id] = a.prev;
#ifdef UNORDERED
                 prevOf[a.id] = 0;
#endif
                 drain(); advanceBase();
                 ackOwed = 1
            fi
       fi
  :: else
  fi;
  if :: ackNow -> ackOwed = 1 :: else fi
}

/* ---- A ---- */
inline receiveA() {
  i = 1;
  do
  :: i < nextId ->
       if
       :: st[msgOf[i]] == FLIGHT && !gaveUp[i] && (i < b.cum || (b.ranges & (1 << i))) ->
            assert(took[i]);                                 /* (k) */
            st[msgOf[i]] = ACKED
       :: else
       fi;
       i++
  :: else -> break
  od;
  if :: b.cum > cumA -> cumA = b.cum :: else fi;
  floorA()
}

/* transmit the next message of the outbox, within the window ([SW-14.5-1], [SW-14.2-3]) */
inline transmitNew() {
  i = 1;
  do :: i <= N && st[i] != OUTBOX -> i++ :: else -> break od;
  st[i] = FLIGHT; idOf[i] = nextId; msgOf[nextId] = i; prevOfA[nextId] = lastOrd;
  lastOrd = nextId; nextId++;
  floorA();
  sendA(nextId - 1, prevOfA[nextId - 1])
}

inline takeA(K) {
  a.id = qa[K].id; a.prev = qa[K].prev; a.fwd = qa[K].fwd;
  j = K;
  do :: j + 1 < na -> qa[j].id = qa[j+1].id; qa[j].prev = qa[j+1].prev; qa[j].fwd = qa[j+1].fwd; j++
     :: else -> break od;
  na--; qa[na].id = 0; qa[na].prev = 0; qa[na].fwd = 0
}
inline takeB(K) {
  b.cum = qb[K].cum; b.ranges = qb[K].ranges;
  j = K;
  do :: j + 1 < nb -> qb[j].cum = qb[j+1].cum; qb[j].ranges = qb[j+1].ranges; j++
     :: else -> break od;
  nb--; qb[nb].cum = 0; qb[nb].ranges = 0
}

#ifdef LIVE
#define QUIET (na == 0 && nb == 0)
#define CANLOSE_A (lostA < LMAX)
#define CANLOSE_B (lostB < LMAX)
#else
#define QUIET true
#define CANLOSE_A true
#define CANLOSE_B true
#endif

#define NET_A(K) \
  :: d_step { na > K -> takeA(K); lostA = 0; ackNow = 0; \
       printf("  B gets MSG %d FORWARD %d (base %d)\n", a.id, a.fwd, base); receiveB(); \
       if :: ackNow -> sendB() :: else fi } \
  :: d_step { na > K -> takeA(K); lostA = 0; ackNow = 1; \
       printf("  B gets MSG %d FORWARD %d (base %d)\n", a.id, a.fwd, base); receiveB(); sendB() } \
  :: d_step { na > K && CANLOSE_A -> takeA(K); lostA++; printf("  lost A->B\n") }
#define NET_B(K) \
  :: d_step { nb > K -> takeB(K); lostB = 0; printf("  A gets ACK CUM %d\n", b.cum); receiveA() } \
  :: d_step { nb > K && CANLOSE_B -> takeB(K); lostB++; printf("  lost B->A\n") }

/* retransmit id K on its timeout ([SW-14.4-3]) or give message K up ([SW-14.8-4]) */
#define TIMER_ID(K) \
  :: d_step { QUIET && K < nextId && st[msgOf[K]] == FLIGHT && !gaveUp[K] -> \
       sendA(K, prevOfA[K]) }
#ifndef NODEADLINE
#define GIVEUP(M) \
  :: d_step { st[M] == OUTBOX || (st[M] == FLIGHT && QUIET) -> \
       if :: st[M] == FLIGHT -> gaveUp[idOf[M]] = 1 :: else fi; st[M] = FAILED; \
       printf("A gives message %d (id %d) up\n", M, idOf[M]); \
       floorA(); if :: flr > cumA -> sendA(0, 0) :: else fi }  /* FORWARD at once */
#else
#define GIVEUP(M)
#endif

active proctype world() {
  d_step {
    i = 1;
    do :: i <= N -> st[i] = OUTBOX; i++ :: else -> break od;
    nOut = N
  };
  do
  :: d_step { nOut > 0 && nextId < cumA + W -> transmitNew() }
  TIMER_ID(1) TIMER_ID(2) TIMER_ID(3)
#if N > 3
  TIMER_ID(4)
#endif
  GIVEUP(1) GIVEUP(2) GIVEUP(3)
#if N > 3
  GIVEUP(4)
#endif
  :: d_step { QUIET && flr > cumA -> sendA(0, 0) }           /* FORWARD again after RTO */
  :: d_step { QUIET && ackOwed -> sendB() }                   /* ACK delay up */
  NET_A(0) NET_A(1)
#if QA > 2
  NET_A(2)
#endif
  NET_B(0) NET_B(1)
#if QB > 2
  NET_B(2)
#endif
  :: na == 0 && nb == 0 && !ackOwed && flr <= cumA && nOut == 0 && nFlight == 0 ->
       /* quiet: nothing owed; in LIVE runs everything must be settled and delivered */
#ifdef LIVE
progress_done:
       d_step {
         i = 1;
         do
         :: i <= N -> assert(st[i] == ACKED || st[i] == FAILED);
              if :: st[i] == ACKED -> assert(deliv[idOf[i]]) :: else fi; i++
         :: else -> break
         od;
         skip
       };
#endif
       break
  od
}
