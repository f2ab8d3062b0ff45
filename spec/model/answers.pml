/*
 * answers.pml: Saltwire's answer rules between two peers, device D and hub H.
 *
 * Written from spec/ alone (9.3-9.4, 10.2, 11, 12.2-12.3, 14.2-14.10). Question it answers:
 * once the timers and the applications stop, does every exchange of datagrams stop
 * (no "answer loop")? See spec/model/README.md for what it found and how to run it.
 *
 * Abstraction (why each is exact or safe is in README.md):
 *  - the network: per direction a buffer of at most B datagrams kept in send order; it may
 *    lose any datagram, deliver any one first (reorder) and hold any for as long as it likes
 *    (delay, then release in a burst). A full buffer loses the datagram sent. Duplicates are
 *    not made here: the replay window drops them in silence ([SW-5.4-1], [SW-6.3-1]);
 *    restarts.pml covers replays across state loss.
 *  - time: every timer (PROBE_AFTER, PROBE_INTERVAL, CHALLENGE_RETRY, RTO, deadline, ACK delay)
 *    and every application send is a nondeterministic event taken from a finite budget. A
 *    network that may hold datagrams arbitrarily long can make any timer fire at any moment.
 *    Once the budget is spent only receptions and the datagrams they cause remain, so any
 *    cycle of the state graph is an answer loop: `pan -l` (compiled with -DNP) finds it.
 *  - tokens: only equality with the outstanding token matters, so a token reference is CUR
 *    (the sender's outstanding token) or OLD (any earlier one). Making a new token turns every
 *    CUR reference of that node into OLD: exactly "a fresh random token equals no earlier one".
 *  - reliability: one reliable message slot per sender (its fragments in flight, or none);
 *    an ACK frame says whether it covers the sender's current message (am) and its current
 *    FORWARD floor (af). reliability.pml models ids, windows and give-up in full.
 *
 * Variants (compile with spin -D...):
 *  - default: the rules as spec/ states them (draft 1, before issue 14).
 *  - -DFIXED: the restated answer rules proposed in README.md ("ask only on a schedule").
 *  - -DBROAD: [SW-12.3-2]'s exemption read broadly (a fresh datagram from a probed peer is
 *    itself answered, with the token), instead of only riding on an answer already due.
 *  - -DNOROTATE: no new token after CHALLENGE_ATTEMPTS sends (which rules make the loop).
 *  - -DBUGGY_H: the hub never echoes (the implementation's bug in the issue's trace): checks
 *    that the FIXED rules stop loops even against a peer that breaks [SW-12.3-3].
 *  - -DDEFER: a receiver that withholds the acknowledgement of what it took until a release
 *    event ([SW-14.3-9], a hub's QoS 1), so a duplicate draws an ACK that does not cover it.
 *  - -DEARLY_ANY: the early retransmission of [SW-14.12-20] on every such ACK, not only on a
 *    message's first transmission: with -DDEFER it loops (a guard).
 */

#define D 0
#define H 1
#define NONE 0
#define CUR 1
#define OLD 2

#ifndef B
#define B 3          /* datagrams in flight per direction */
#endif
#ifndef CA
#define CA 2         /* CHALLENGE_ATTEMPTS (spec: 5); a loop needs more than CA in flight */
#endif
#ifndef TIMERS
#define TIMERS 4     /* timer events in all */
#endif
#ifndef APPS
#define APPS 1       /* application sends in all */
#endif
#ifndef RESTARTS
#define RESTARTS 0   /* restarts with state loss in all */
#endif

typedef Dg {
  bit ping;    /* PING: asks for an answer [SW-11.2-3] */
  byte chal;   /* CHALLENGE of the sender's token: NONE, CUR, OLD; asks for an ECHO [SW-12.3-3] */
  byte echo;   /* ECHO of the receiver's token: NONE, CUR, OLD */
  bit ack;     /* ACK frame; am: covers the receiver's current message, af: its current FLOOR */
  bit am;
  bit af;
  bit fwd;     /* FORWARD: asks for an ACK [SW-14.2-7] */
  bit msg;     /* a reliable MSG fragment: asks for an ACK [SW-14.2-7] */
  bit pre;     /* sealed before a later datagram proved freshness: stays unknown [SW-12.3-4] */
  byte ep;     /* the sender's epoch (0..RESTARTS) */
  bit ans      /* sent because a datagram arrived (an answer), not by a timer or the app */
}
typedef Q { Dg s[B]; byte cnt }
Q q[2];        /* q[n]: datagrams from node n to its peer, in send order */

/* per node n, about its peer */
bit  probing[2];   /* [SW-11.2-1] */
bit  tok[2];       /* a token is outstanding [SW-12.3-2] */
byte sends[2];     /* sends of the outstanding token */
bit  chalNow[2];   /* the token may be sent now (new, or its CHALLENGE_RETRY is up) */
byte owedEcho[2];  /* the peer's token this node owes an ECHO of */
bit  ackOwed[2];
bit  fwdOwed[2];   /* FLOOR above the CUM of the newest ACK [SW-14.7-5] */
bit  inflight[2];  /* a reliable message of this node is in flight */
bit  early[2];     /* its one early retransmission is spent, or it went again already ([SW-14.4-12], [SW-14.12-20]) */
bit  settled[2];   /* some id of this epoch is settled (acknowledged or given up) */
bit  got[2];       /* received the peer's current message (delivered once) */
bit  wh[2];        /* -DDEFER: its acknowledgement is withheld until released [SW-14.3-9] */
bit  fwdSeen[2];   /* processed the peer's current FORWARD */
bit  unk[2];       /* the context for the peer is freshness-unknown [SW-5.6-3] */
bit  hasFloor[2];     /* the context has a freshness floor [SW-5.6-6], [SW-12.3-7] */
byte myEp[2];
byte peerEp[2];    /* maxEpoch of the peer's context */
byte peerFreshEp[2]; /* highest epoch of a fresh datagram from the peer */

byte timers = TIMERS;
byte apps = APPS;
byte restarts = RESTARTS;

/* Scratch, written before it is read within one atomic step: kept out of the state vector. */
hidden Dg out;     /* the datagram being built */
hidden Dg in;      /* the datagram being processed */
hidden byte i, j;
hidden byte fresh, due, rexmit, mayChal;
byte ackNow;       /* the choice of [SW-14.3-6] for an in-order MSG: ACK at once or later */

inline clr(x) {
  x.ping = 0; x.chal = NONE; x.echo = NONE; x.ack = 0; x.am = 0; x.af = 0;
  x.fwd = 0; x.msg = 0; x.pre = 0; x.ep = 0; x.ans = 0
}
inline cpy(x, y) {  /* x = y */
  x.ping = y.ping; x.chal = y.chal; x.echo = y.echo; x.ack = y.ack; x.am = y.am; x.af = y.af;
  x.fwd = y.fwd; x.msg = y.msg; x.pre = y.pre; x.ep = y.ep; x.ans = y.ans
}

/* A new token of node n, or its discarded one: no reference to an earlier token can match. */
inline oldRefs(n) {
  j = 0;
  do
  :: j < q[n].cnt -> if :: q[n].s[j].chal == CUR -> q[n].s[j].chal = OLD :: else fi; j++
  :: else -> break
  od;
  j = 0;
  do
  :: j < q[1-n].cnt -> if :: q[1-n].s[j].echo == CUR -> q[1-n].s[j].echo = OLD :: else fi; j++
  :: else -> break
  od;
  if :: owedEcho[1-n] == CUR -> owedEcho[1-n] = OLD :: else fi
}
inline newToken(n) { oldRefs(n); tok[n] = 1; sends[n] = 0; chalNow[n] = 1 }
inline dropToken(n) { oldRefs(n); tok[n] = 0; sends[n] = 0; chalNow[n] = 0 }

/* A new message id or a new FLOOR of node n: ACKs in flight do not cover it. */
inline newMsg(n) {
  j = 0;
  do
  :: j < q[1-n].cnt -> q[1-n].s[j].am = 0; j++
  :: else -> break
  od;
  got[1-n] = 0; wh[1-n] = 0
}
inline newFloor(n) {
  j = 0;
  do
  :: j < q[1-n].cnt -> q[1-n].s[j].af = 0; j++
  :: else -> break
  od;
  fwdSeen[1-n] = 0
}

/* Start a datagram from n: what rides on any datagram ([SW-14.10-1], [SW-14.7-5]). */
inline start(n) {
  clr(out);
  out.ep = myEp[n];
  if :: owedEcho[n] != NONE -> out.echo = owedEcho[n]; owedEcho[n] = NONE :: else fi;
  if :: ackOwed[n] -> out.ack = 1; out.am = (got[n] && !wh[n] -> 1 : 0); out.af = fwdSeen[n]; ackOwed[n] = 0 :: else fi;
  if :: fwdOwed[n] -> out.fwd = 1 :: else fi
}
/* Put the outstanding token in; after CHALLENGE_ATTEMPTS sends it is replaced [SW-12.3-2]. */
inline putChal(n) {
#ifndef NOROTATE
  if :: sends[n] >= CA -> newToken(n) :: else fi;
#endif
  out.chal = CUR;
  if :: sends[n] < CA -> sends[n]++ :: else fi;
  chalNow[n] = 0
}
/* Printing, for `spin -t` replays only (the verifier does not print). */
inline frames(x) {
  if :: x.ping -> printf(" PING") :: else fi;
  if :: x.echo == CUR -> printf(" ECHO(cur)") :: x.echo == OLD -> printf(" ECHO(old)") :: else fi;
  if :: x.chal == CUR -> printf(" CHALLENGE(cur)") :: x.chal == OLD -> printf(" CHALLENGE(old)")
     :: else fi;
  if :: x.ack -> printf(" ACK"); if :: x.am -> printf("+msg") :: else fi;
                 if :: x.af -> printf("+floor") :: else fi :: else fi;
  if :: x.fwd -> printf(" FORWARD") :: else fi;
  if :: x.msg -> printf(" MSG") :: else fi;
  if :: x.pre -> printf(" (pre)") :: else fi
}
inline who(n) { if :: n == D -> printf("D") :: else -> printf("H") fi }
inline emit(n) {
  who(n); if :: out.ans -> printf(" answers:") :: else -> printf(" sends:  ") fi;
  frames(out);
  if
  :: q[n].cnt < B -> cpy(q[n].s[q[n].cnt], out); q[n].cnt++
  :: else -> printf("   (no room: lost)")   /* the network lost it */
  fi;
  printf("   [in flight D->H %d, H->D %d; D probing=%d sends=%d; H probing=%d sends=%d]\n",
    q[D].cnt, q[H].cnt, probing[D], sends[D], probing[H], sends[H])
}

/* Take the i-th datagram of direction d out of the network into `in`. */
inline takeOut(d) {
  cpy(in, q[d].s[i]);
  j = i;
  do
  :: j + 1 < q[d].cnt -> cpy(q[d].s[j], q[d].s[j+1]); j++
  :: else -> break
  od;
  q[d].cnt--;
  clr(q[d].s[q[d].cnt])
}

/* Node n accepts `in` from its peer (9.3), then answers at once if anything became due (9.3-4). */
inline receive(n) {
  due = 0; rexmit = 0; mayChal = 0;
  printf("        "); who(n); printf(" gets #%d:", i); frames(in); printf("\n");
  if
  :: in.ep < peerEp[n] -> goto done   /* STALE_EPOCH: dropped (12.4's STALE answer: restarts.pml) */
  :: in.ep > peerEp[n] ->
       /* a new epoch of the peer: fresh only above a floor ([SW-5.6-3], [SW-9.3-5]) */
       peerEp[n] = in.ep;
       unk[n] = 1 - hasFloor[n]
  :: else
  fi;
  fresh = (1 - unk[n]) * (1 - in.pre);
  /* ECHO [SW-12.3-4], [SW-11.2-6] */
  if
  :: in.echo == CUR && tok[n] ->
       fresh = 1;
       if
       :: unk[n] ->
            unk[n] = 0; hasFloor[n] = 1;            /* [SW-12.3-7] */
            j = 0;                                 /* datagrams sealed before it stay unknown */
            do
            :: j < i -> q[1-n].s[j].pre = 1; j++
            :: else -> break
            od
       :: else
       fi;
       probing[n] = 0;                            /* only this ends probing [SW-11.2-6] */
       dropToken(n)
  :: else
  fi;
  /* CHALLENGE [SW-10.2-3], [SW-12.3-3], [SW-14.10-4] */
#ifdef BUGGY_H
  if :: in.chal != NONE && n == D -> owedEcho[n] = in.chal; due = 1 :: else fi;
#else
  if :: in.chal != NONE -> owedEcho[n] = in.chal; due = 1 :: else fi;
#endif
  if :: in.chal != NONE && fresh && inflight[n] -> rexmit = 1 :: else fi;   /* FORWARD rides anyway */
  /* PING [SW-11.2-3] */
  if :: in.ping -> due = 1 :: else fi;
  if
  :: !fresh ->
       /* [SW-12.3-1]: challenge at once when the token becomes needed, else on its retry
        * schedule; reliability frames are ignored [SW-14.10-5] */
       if :: !tok[n] -> newToken(n); due = 1 :: else fi
  :: else ->
       if
       :: in.ep > peerFreshEp[n] ->
            /* the peer restarted [SW-9.3-5]: act as if no ACK came (CUM 1, so FORWARD is owed
             * past settled ids) and retransmit what is in flight at once [SW-14.7-4] */
            peerFreshEp[n] = in.ep;
            if :: settled[n] -> fwdOwed[n] = 1; newFloor(n) :: else fi;
            if :: inflight[n] -> rexmit = 1; due = 1 :: else fi
       :: else
       fi;
       /* reliability frames, fresh only [SW-14.10-5] */
       if
       :: in.msg ->
            if
            :: !got[n] -> got[n] = 1; ackOwed[n] = 1;           /* delivered, once [SW-14.3-1] */
#ifdef DEFER
                 wh[n] = 1;                                         /* acknowledged once released [SW-14.3-9] */
#endif
                 if :: ackNow -> due = 1 :: else fi                 /* at once, or after ACK_DELAY */
            :: else -> ackOwed[n] = 1; due = 1                      /* duplicate: ACK at once */
            fi
       :: else
       fi;
       if :: in.fwd -> fwdSeen[n] = 1; ackOwed[n] = 1; due = 1 :: else fi  /* [SW-14.3-7] */
       if
       :: in.ack ->
            if :: in.am && inflight[n] -> inflight[n] = 0; settled[n] = 1 :: else fi;
            if :: in.af -> fwdOwed[n] = 0 :: else fi;
            /* an ACK that does not cover the message in flight may show the peer holding others
             * behind it (H > 0): the message goes again at once, on its first transmission only
             * ([SW-14.12-20]; taken whenever allowed, the most a sender may send) */
#ifdef EARLY_ANY
            if :: !in.am && inflight[n] -> rexmit = 1; due = 1 :: else fi
#else
            if :: !in.am && inflight[n] && !early[n] -> early[n] = 1; rexmit = 1; due = 1 :: else fi
#endif
       :: else
       fi;
#ifndef FIXED
       /* [SW-12.3-2]: an answer to a fresh datagram from a peer being probed carries the
        * token, exempt from CHALLENGE_RETRY ("each such datagram allows one answer") */
       if :: probing[n] && tok[n] -> mayChal = 1 :: else fi;
#ifdef BROAD
       if :: probing[n] && tok[n] -> due = 1 :: else fi;
#endif
#endif
       skip
  fi;
  if
  :: due ->
       start(n);
       out.ans = 1;
       if :: tok[n] && (chalNow[n] || mayChal) -> putChal(n) :: else fi;
       if :: rexmit && inflight[n] -> out.msg = 1 :: else fi;   /* [SW-14.10-4] */
       emit(n)
  :: else
  fi;
done:
  skip
}

/* Timer and application events of node n (each spends the budget). */
inline probe(n) {
  start(n); out.ping = 1;
  if :: !tok[n] -> newToken(n) :: else fi;
  putChal(n);                                            /* [SW-11.2-6] */
  emit(n)
}
/* Timer events of node n: one option each, so that every event is one d_step. */
#define EVENTS(n) \
  :: d_step { timers > 0 && !probing[n] ->            /* PROBE_AFTER [SW-11.2-1] */ \
       timers--; probing[n] = 1; probe(n) } \
  :: d_step { timers > 0 && probing[n] ->             /* PROBE_INTERVAL */ \
       timers--; probe(n) } \
  :: d_step { timers > 0 && tok[n] && !probing[n] ->  /* CHALLENGE_RETRY [SW-12.3-2] */ \
       timers--; start(n); putChal(n); emit(n) } \
  :: d_step { timers > 0 && inflight[n] ->            /* RTO [SW-14.4-3] */ \
       timers--; early[n] = 1; start(n); out.msg = 1; emit(n) } \
  :: d_step { timers > 0 && inflight[n] ->            /* deadline: give up [SW-14.7-1] */ \
       timers--; inflight[n] = 0; settled[n] = 1; fwdOwed[n] = 1; newFloor(n); \
       start(n); emit(n) }                            /* FORWARD at once [SW-14.7-5] */ \
  :: d_step { timers > 0 && fwdOwed[n] ->             /* FORWARD again after RTO */ \
       timers--; start(n); emit(n) } \
  :: d_step { timers > 0 && ackOwed[n] ->             /* ACK delay up [SW-14.3-6] */ \
       timers--; start(n); emit(n) } \
  :: d_step { timers > 0 && wh[n] ->                  /* released: an ACK at once [SW-14.3-9] */ \
       timers--; wh[n] = 0; ackOwed[n] = 1; start(n); emit(n) } \
  :: d_step { apps > 0 && !inflight[n] ->             /* the application sends */ \
       apps--; appSend(n) } \
  :: d_step { restarts > 0 -> restarts--; restart(n) }

/* Node n receives (A = 1: an in-order MSG is ACKed at once) or loses the I-th datagram in flight
 * towards it; any of them, so the network reorders. */
#define RECV(n, I, A) \
  :: d_step { q[1-n].cnt > I -> i = I; ackNow = A; takeOut(1-n); receive(n); ackNow = 0 }
#define LOSE(n, I) \
  :: d_step { q[1-n].cnt > I -> i = I; takeOut(1-n); printf("        lost #%d\n", I) }
#define NET(n, I) RECV(n, I, 0) RECV(n, I, 1) LOSE(n, I)

inline appSend(n) {
  inflight[n] = 1; early[n] = 0; newMsg(n);
  start(n); out.msg = 1; emit(n)
}
/* Restart with state loss [SW-12.2-1]: new epoch, RAM gone, no floors; then the hint. */
inline restart(n) {
  myEp[n]++;
  probing[n] = 0; dropToken(n); owedEcho[n] = NONE; ackOwed[n] = 0; fwdOwed[n] = 0;
  inflight[n] = 0; settled[n] = 0; got[n] = 0; fwdSeen[n] = 0;
  unk[n] = 1; hasFloor[n] = 0;
  /* the peer's reliability state for n starts empty when it sees the new epoch [SW-14.1-1];
   * modelled at once: what n sent before is gone */
  newMsg(n); newFloor(n);
  start(n); out.ping = 1; newToken(n); putChal(n); emit(n)
}

active proctype net() {
  hasFloor[D] = 1; hasFloor[H] = 1;   /* both start with complete stores: every context fresh */
  do
  EVENTS(D)
  EVENTS(H)
  NET(D, 0) NET(D, 1) NET(D, 2)
  NET(H, 0) NET(H, 1) NET(H, 2)
#if B > 3
  NET(D, 3) NET(H, 3)
#endif
#if B > 4
  NET(D, 4) NET(H, 4)
#endif
  :: q[D].cnt == 0 && q[H].cnt == 0 -> break          /* quiet: may stop here */
  od
}
