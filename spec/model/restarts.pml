/*
 * restarts.pml: epochs, BOOT, counters, state loss, replays and STALE answers between a sender S
 * (a device) and a receiver R (a hub). Written from spec/ alone (3.5, 4.5, 5, 6.1, 12.2-12.4).
 *
 * Properties (assertions; run `pan` compiled for safety):
 *  (c) no (traffic key, nonce) pair is sealed twice: key = (epoch, BOOT) of S towards R
 *      ([SW-3.5-1]), nonce = the counter under that key ([SW-4.5-1], [SW-5.1-1]);
 *  (b) R hands no datagram's data to the application twice, whatever S and R lose and whatever
 *      the attacker replays ([SW-9.3-7], [SW-12.3-5]);
 *  (e) with a single process under S's id, S never reports "two processes" ([SW-12.4-5]).
 *
 * Abstraction: the attacker records every datagram S seals and may deliver any of them, in any
 * order, any number of times (a first delivery is free, each further one spends REPLAYS);
 * nothing R sends is replayed (R -> S is a lossy, reordering buffer). BOOT values of two starts
 * never collide ([SW-5.2-7]'s one assumption): the BOOT of a start is its number. Tokens are
 * CUR/OLD references, as in answers.pml. A persisted store is one value that S's environment
 * may wipe (the record is then missing: 0) or put back to an older copy, at any moment.
 *
 * Variants: default = the rules as spec/ states them. -DFIX_EPOCH: a new epoch started while
 * running is above the current one whatever the store says. -DFIX_STALE: S acts on a STALE frame
 * only if it echoes S's outstanding token, S takes a new token with every new epoch, and an INDEX
 * is evidence for [SW-12.4-5] only in a datagram that also echoes that token.
 */

#ifndef CL
#define CL 2        /* COUNTER_LIMIT: counters 0 .. CL-1 */
#endif
#ifndef EMAX
#define EMAX 6      /* EPOCH_MAX */
#endif
#ifndef NB
#define NB 3        /* starts of S (BOOT values) */
#endif
#ifndef NREC
#define NREC 7      /* datagrams the attacker records (later ones are sealed, checked, lost) */
#endif
#ifndef RB
#define RB 2        /* R -> S datagrams in flight */
#endif
#ifndef SENDS
#define SENDS 4     /* application datagrams of S */
#endif
#ifndef LOSSES
#define LOSSES 1    /* store events: wipe, snapshot, restore */
#endif
#ifndef REPLAYS
#define REPLAYS 2
#endif
#ifndef RRESTARTS
#define RRESTARTS 0 /* restarts of R (RAM lost; its store kept, or wiped with -DRWIPE) */
#endif
#ifndef TIMERS
#define TIMERS 2    /* STALE_ANSWER_INTERVAL and CHALLENGE_RETRY expiries */
#endif

#define NONE 0
#define CUR 1
#define OLD 2
#define NOCTR 255

/* ---------- S ---------- */
byte E;              /* S's persisted epoch record; 0 = missing ([SW-5.2-5]) */
byte snapE;          /* an old copy of the store */
bit  sRun;           /* S runs and may send */
byte starts;         /* the BOOT of the current start */
byte sEp, sBoot, sCtr;
bit  sTok;           /* S's token is outstanding (its restart hint carries it, [SW-12.2-1]) */
byte sOwedEcho;      /* a reference to R's token S owes an ECHO of */
bit  sIdx;           /* R named S's current epoch in an INDEX: S sends SHORT ([SW-4.8-2]) */
bit  sEv;            /* ... and S takes that as proof R accepted this start ([SW-12.4-5]) */
byte sIdxREp;        /* ... in a datagram of this R epoch */
bit  conflict;       /* S reported two processes under its id */
bit  sealed[(EMAX + 1) * NB * CL];

typedef SDg { byte ep; byte boot; byte ctr; byte echo; byte chal; bit isFull; bit sent }
SDg rec[NREC];       /* every datagram S sealed, as the attacker recorded it */
byte nrec;

/* ---------- R ---------- */
bit  rHasCtx;        /* a receive context for S in RAM */
byte rMax, rBoot;    /* its maxEpoch and BOOT ([SW-5.3-4]) */
byte rSeen;          /* its window: counters seen in epoch rMax (W >= CL: exact) */
bit  rHasFloor;
byte rF;             /* freshness floor ([SW-5.6-6]) */
byte fCtr;           /* counters >= fCtr of epoch rMax are fresh ([SW-12.3-4]); NOCTR: none */
bit  rTok;           /* R's outstanding token */
byte rOwedEcho;      /* a reference to S's token R owes an ECHO of */
bit  rIdxDue;        /* an INDEX for epoch rMax to announce */
byte pmax;           /* R's persisted maxEpoch for S; 0 = none */
bit  rComplete = 1;  /* R's store is complete ([SW-5.6-5]) */
byte rEp = 1;        /* R's own epoch */
bit  staleArmed = 1; /* one STALE answer allowed now ([SW-12.4-10]) */
bit  delivered[(EMAX + 1) * NB * CL];

typedef RDg { byte stale; byte idx; byte chal; byte echo; byte rep }
RDg rq[RB];          /* R -> S */
byte rn;

byte sends = SENDS, losses = LOSSES, replays = REPLAYS, rrestarts = RRESTARTS, timers = TIMERS;

hidden byte k, m, tmp;
hidden byte fresh, due, echoOk, act;
hidden SDg d;
hidden RDg r;

#define KEY(ep, boot, ctr) (((ep) * NB + (boot)) * CL + (ctr))

/* ---- tokens: a new one (or a discarded one) leaves every earlier reference OLD ---- */
inline oldSTok() {
  m = 0;
  do :: m < nrec -> if :: rec[m].chal == CUR -> rec[m].chal = OLD :: else fi; m++ :: else -> break od;
  if :: rOwedEcho == CUR -> rOwedEcho = OLD :: else fi;
  m = 0;
  do :: m < rn -> if :: rq[m].echo == CUR -> rq[m].echo = OLD :: else fi; m++ :: else -> break od
}
inline oldRTok() {
  m = 0;
  do :: m < rn -> if :: rq[m].chal == CUR -> rq[m].chal = OLD :: else fi; m++ :: else -> break od;
  if :: sOwedEcho == CUR -> sOwedEcho = OLD :: else fi;
  m = 0;
  do :: m < nrec -> if :: rec[m].echo == CUR -> rec[m].echo = OLD :: else fi; m++ :: else -> break od
}

/* ---- S ---- */

/* A new epoch while running (counter exhausted [SW-5.1-2], [SW-5.2-3]; a STALE frame
 * [SW-12.4-3] passes its EPOCH as `tmp`). The spec: "by the same procedure as [SW-5.2-2]": read E
 * (0 if missing), write E+1; the BOOT MAY be kept ([SW-5.2-6]), and is. */
inline newEpoch() {
#ifdef FIX_EPOCH
  if :: sEp > tmp -> tmp = sEp :: else fi;
#endif
  if :: E > tmp -> tmp = E :: else fi;
  if
  :: tmp >= EMAX -> sRun = 0                      /* EPOCH_MAX: stop */
  :: else -> E = tmp + 1; sEp = E; sCtr = 0; sIdx = 0; sEv = 0;
       printf("S: new epoch %d (same BOOT %d), store E = %d\n", sEp, sBoot, E)
#ifdef FIX_STALE
       ; oldSTok(); sTok = 0
#endif
  fi
}

/* Seal one datagram: check (c), let the attacker record it. chal: carries S's token. */
inline seal(withChal) {
  if :: sCtr >= CL -> tmp = 0; newEpoch() :: else fi;
  if
  :: sRun ->
       printf("S seals epoch %d BOOT %d counter %d (challenge %d, echo %d)\n", sEp, sBoot, sCtr,
              withChal, sOwedEcho);
       assert(!sealed[KEY(sEp, sBoot, sCtr)]);    /* (c) */
       sealed[KEY(sEp, sBoot, sCtr)] = 1;
       if
       :: nrec < NREC ->
            rec[nrec].ep = sEp; rec[nrec].boot = sBoot; rec[nrec].ctr = sCtr;
            rec[nrec].echo = sOwedEcho; rec[nrec].sent = 0;
            rec[nrec].isFull = withChal || !sIdx;            /* SHORT once R named the epoch [SW-4.8-2] */
            if :: withChal -> rec[nrec].chal = CUR :: else -> rec[nrec].chal = NONE fi;
            nrec++
       :: else                                    /* sealed, then lost */
       fi;
       sOwedEcho = NONE;
       sCtr++
  :: else
  fi
}
/* The restart hint [SW-12.2-1]: FULL, PING + CHALLENGE. */
inline hint() {
  if :: !sTok -> oldSTok(); sTok = 1 :: else fi;
  seal(1)
}

/* A start of S ([SW-5.2-2], [SW-5.2-6]): new BOOT, read E, write E+1, then the hint. */
inline start() {
  starts++; sBoot = starts - 1;
  sIdx = 0; sEv = 0; sOwedEcho = NONE; oldSTok(); sTok = 0;
  if
  :: E >= EMAX -> sRun = 0
  :: else -> E = E + 1; sEp = E; sCtr = 0; sRun = 1;
       printf("S starts: BOOT %d, epoch %d (store E = %d)\n", sBoot, sEp, E); hint()
  fi
}

/* S receives r from R. */
inline sReceive() {
  printf("  S gets from R (R epoch %d): INDEX %d, STALE %d, CHALLENGE %d, ECHO %d\n",
         r.rep, r.idx, r.stale, r.chal, r.echo);
  echoOk = (r.echo == CUR && sTok);
  if :: r.idx != 0 && r.idx == sEp -> sIdx = 1 :: else fi;                    /* [SW-4.8-2] */
  /* [SW-12.4-5]'s evidence that R accepted this start */
#ifdef FIX_STALE
  if :: r.idx != 0 && r.idx == sEp && echoOk -> sEv = 1; sIdxREp = r.rep :: else fi;
#else
  if :: r.idx != 0 && r.idx == sEp -> sEv = 1; sIdxREp = r.rep :: else fi;
#endif
  if :: echoOk -> oldSTok(); sTok = 0 :: else fi;
  due = 0;
  if :: r.chal != NONE -> sOwedEcho = r.chal; due = 1 :: else fi;           /* [SW-12.3-3] */
  act = (r.stale != 0 && r.stale >= sEp);
#ifdef FIX_STALE
  act = act && echoOk;
#endif
  if
  :: act ->
       if
       :: sEv && sIdxREp == r.rep -> conflict = 1;    /* [SW-12.4-5]: no new epoch */
            printf("S: STALE %d after INDEX for epoch %d: reports two processes\n", r.stale, sEp);
            assert(!conflict)                            /* (e): there is one process here */
       :: else ->
            printf("S: STALE %d at epoch %d\n", r.stale, sEp);
            tmp = r.stale; newEpoch();                   /* [SW-12.4-3] */
            if :: sRun -> hint(); due = 0 :: else fi     /* ... and the restart hint at once */
       fi
  :: else
  fi;
  if :: due && sRun -> seal(0) :: else fi                /* the ECHO, at once ([SW-9.3-4]) */
}

/* ---- R ---- */
inline rSend(staleEp) {
  if
  :: rn < RB ->
       rq[rn].stale = staleEp; rq[rn].rep = rEp;
       if :: staleEp == 0 && rIdxDue -> rq[rn].idx = rMax; rIdxDue = 0 :: else -> rq[rn].idx = 0 fi;
       rq[rn].echo = rOwedEcho; rOwedEcho = NONE;
       if :: staleEp == 0 && rTok && due == 2 -> rq[rn].chal = CUR :: else -> rq[rn].chal = NONE fi;
       rn++
  :: else -> rOwedEcho = NONE                             /* lost */
  fi
}

/* The STALE answer ([SW-12.4-9], [SW-12.4-10], [SW-12.4-2]): rate-limited, ECHO of the stale datagram's CHALLENGE. */
inline staleAnswer(M) {
  if
  :: staleArmed ->
       staleArmed = 0;
       printf("R: STALE_EPOCH epoch %d BOOT %d counter %d: answers STALE %d\n", d.ep, d.boot, d.ctr, M);
       rOwedEcho = d.chal; due = 0; rSend(M)
  :: else
  fi
}

/* R receives d (6.1 steps 7c, 7d, 10; 9.3; 12.3). */
inline rReceive() {
  due = 0;
  if
  :: !d.isFull && !(rHasCtx && d.ep == rMax && d.boot == rBoot) -> skip   /* SHORT: UNKNOWN_INDEX, AUTH */
  :: rHasCtx && (d.ep < rMax || (d.ep == rMax && d.boot != rBoot)) -> staleAnswer(rMax)  /* 7c */
  :: !rHasCtx && pmax != 0 && d.ep < pmax -> staleAnswer(pmax)                               /* [SW-5.5-1] */
  :: rHasCtx && d.ep == rMax && d.boot == rBoot && (rSeen & (1 << d.ctr)) -> skip      /* 7d REPLAY */
  :: else ->
       /* step 10: accept */
       if
       :: !rHasCtx ->
            rHasCtx = 1;
            if                                            /* the floor [SW-5.6-6] */
            :: pmax != 0 -> rHasFloor = 1; rF = pmax
            :: pmax == 0 && rComplete -> rHasFloor = 1; rF = 0
            :: else -> rHasFloor = 0; rF = 0
            fi;
            rMax = d.ep; rBoot = d.boot; rSeen = 0; fCtr = NOCTR; rIdxDue = 1;
            pmax = rMax                                   /* [SW-5.6-1], [SW-5.6-4] */
       :: rHasCtx && d.ep > rMax ->
            rMax = d.ep; rBoot = d.boot; rSeen = 0; fCtr = NOCTR; rIdxDue = 1;
            pmax = rMax
       :: else
       fi;
       rSeen = rSeen | (1 << d.ctr);
       fresh = (rHasFloor && rMax > rF) || (fCtr != NOCTR && d.ctr >= fCtr);
       if
       :: d.echo == CUR && rTok ->                        /* [SW-12.3-4], [SW-12.3-7] */
            fresh = 1; fCtr = d.ctr;
            if :: !rHasFloor || rF < d.ep -> rHasFloor = 1; rF = d.ep :: else fi;
            oldRTok(); rTok = 0
       :: else
       fi;
       if
       :: fresh ->
            printf("R delivers epoch %d BOOT %d counter %d\n", d.ep, d.boot, d.ctr);
            assert(!delivered[KEY(d.ep, d.boot, d.ctr)]);   /* (b) */
            delivered[KEY(d.ep, d.boot, d.ctr)] = 1
       :: else ->                                         /* [SW-12.3-1]: challenge at once */
            if :: !rTok -> oldRTok(); rTok = 1; due = 2 :: else fi
       fi;
       if :: d.chal != NONE -> rOwedEcho = d.chal; if :: due == 0 -> due = 1 :: else fi :: else fi;
       if :: rIdxDue && due == 0 -> due = 1 :: else fi;  /* INDEX at once ([SW-9.3-4]) */
       if :: due -> rSend(0) :: else fi
  fi
}

/* R restarts: RAM lost, its store kept (its floor serves) or, with RWIPE, wiped. */
inline rRestart() {
  rHasCtx = 0; rSeen = 0; fCtr = NOCTR; rHasFloor = 0; rF = 0; oldRTok(); rTok = 0;
  rOwedEcho = NONE; rIdxDue = 0; rEp++;
#ifdef RWIPE
  pmax = 0; rComplete = 0
#endif
}

/* the network takes datagram K of R -> S out (delivered or lost) */
inline rqTake(K) {
  r.stale = rq[K].stale; r.idx = rq[K].idx; r.chal = rq[K].chal; r.echo = rq[K].echo; r.rep = rq[K].rep;
  m = K;
  do
  :: m + 1 < rn ->
       rq[m].stale = rq[m+1].stale; rq[m].idx = rq[m+1].idx; rq[m].chal = rq[m+1].chal;
       rq[m].echo = rq[m+1].echo; rq[m].rep = rq[m+1].rep; m++
  :: else -> break
  od;
  rn--;
  rq[rn].stale = 0; rq[rn].idx = 0; rq[rn].chal = 0; rq[rn].echo = 0; rq[rn].rep = 0
}
inline recGet(K) {
  d.ep = rec[K].ep; d.boot = rec[K].boot; d.ctr = rec[K].ctr; d.echo = rec[K].echo; d.chal = rec[K].chal;
  d.isFull = rec[K].isFull
}

#define DELIVER(K) \
  :: d_step { nrec > K && (!rec[K].sent || replays > 0) -> \
       if :: rec[K].sent -> replays--; printf("  replayed: ") :: else -> rec[K].sent = 1 fi; \
       recGet(K); printf("  R gets epoch %d BOOT %d counter %d\n", d.ep, d.boot, d.ctr); rReceive() }
#define TO_S(K) \
  :: d_step { rn > K -> rqTake(K); if :: sRun -> sReceive() :: else fi } \
  :: d_step { rn > K -> rqTake(K) }

active proctype world() {
  d_step { start() };
end:                 /* every state where nothing more can happen is a valid end */
  do
  :: d_step { sRun && sends > 0 -> sends--; seal(0) }                 /* the application */
  :: d_step { starts < NB -> start() }                                /* S restarts (RAM lost) */
  :: d_step { losses > 0 -> losses--; E = 0; printf("S's store wiped\n") }
  :: d_step { losses > 0 -> losses--; snapE = E; printf("backup of S's store: E = %d\n", E) }
  :: d_step { losses > 0 && snapE != 0 -> losses--; E = snapE; printf("S's store restored: E = %d\n", E) }
  :: d_step { rrestarts > 0 -> rrestarts--; rRestart(); printf("R restarts\n") }
  :: d_step { timers > 0 && !staleArmed -> timers--; staleArmed = 1 } /* STALE_ANSWER_INTERVAL */
  :: d_step { timers > 0 && rTok -> timers--; due = 2; rSend(0) }    /* CHALLENGE_RETRY */
  :: d_step { timers > 0 && sRun && sTok -> timers--; seal(1) }       /* S's probe/retry */
  DELIVER(0) DELIVER(1) DELIVER(2) DELIVER(3) DELIVER(4) DELIVER(5) DELIVER(6)
#if NREC > 7
  DELIVER(7) DELIVER(8) DELIVER(9)
#endif
  TO_S(0) TO_S(1)
#if RB > 2
  TO_S(2)
#endif
  od
}
