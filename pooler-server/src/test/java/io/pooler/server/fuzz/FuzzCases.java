package io.pooler.server.fuzz;

import io.pooler.server.it.Wire;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Makes fuzz case number {@code id} of a run from the run's seed alone, so a case is replayed by its
 * seed and number: {@code -Dfuzz.seed=<seed> -Dfuzz.case=<id>}.
 */
final class FuzzCases {
    /** Where each phase's cases connect. */
    record Targets(List<FuzzCase.Target> beforeLogin, List<FuzzCase.Target> duringLogin,
                   List<FuzzCase.Target> afterLogin, FuzzCase.Target hostileServer) {
    }

    private final long seed;
    private final SessionCorpus corpus;
    private final Targets targets;
    private final Markers markers;
    private final List<byte[]> backendPalette;

    /** How often each phase comes, in percent of all cases. */
    private static final java.util.Map<FuzzCase.Phase, Integer> WEIGHTS = java.util.Map.of(
            FuzzCase.Phase.BEFORE_LOGIN, 20, FuzzCase.Phase.DURING_LOGIN, 25,
            FuzzCase.Phase.AFTER_LOGIN, 40, FuzzCase.Phase.SERVER_REPLY, 15);

    private final java.util.Set<FuzzCase.Phase> phases;

    FuzzCases(long seed, SessionCorpus corpus, Targets targets, Markers markers, java.util.Set<FuzzCase.Phase> phases) {
        this.phases = java.util.EnumSet.copyOf(phases);
        this.seed = seed;
        this.corpus = corpus;
        this.targets = targets;
        this.markers = markers;
        this.backendPalette = HostileServer.backendPalette(corpus.allBackendMessages());
    }

    FuzzCase generate(long id) {
        SplittableRandom random = new SplittableRandom(seed ^ (id * 0x9E3779B97F4A7C15L));
        Mutator m = new Mutator(random);
        int total = phases.stream().mapToInt(WEIGHTS::get).sum();
        int p = random.nextInt(total);
        FuzzCase.Phase phase = null;
        for (FuzzCase.Phase candidate : FuzzCase.Phase.values()) {
            if (phases.contains(candidate)) {
                p -= WEIGHTS.get(candidate);
                if (p < 0) {
                    phase = candidate;
                    break;
                }
            }
        }
        return switch (phase) {
            case BEFORE_LOGIN -> beforeLogin(id, m);
            case DURING_LOGIN -> duringLogin(id, m);
            case AFTER_LOGIN -> afterLogin(id, m);
            case SERVER_REPLY -> serverReply(id, m);
        };
    }

    private FuzzCase beforeLogin(long id, Mutator m) {
        FuzzCase.Target target = pick(m, targets.beforeLogin());
        SessionCorpus.Session session = pick(m, corpus.sessions());
        m.note("startup of " + session.name());
        byte[] input = StartupAbuse.generate(m, session.startup(), target.user(), target.database(),
                markers.unauthenticated(id));
        return new FuzzCase(id, FuzzCase.Phase.BEFORE_LOGIN, target, input, 0, null, writes(m, input.length),
                end(m, 60, 30), m.applied());
    }

    private FuzzCase duringLogin(long id, Mutator m) {
        SplittableRandom r = m.random();
        FuzzCase.Target target = pick(m, targets.duringLogin());
        // The abusive message is made once the pooler's authentication request is known, from this seed.
        long planSeed = r.nextLong();
        byte[] behind = new byte[0];
        if (r.nextBoolean()) {
            String query = r.nextBoolean() ? "insert into pwned values(" + id + ")"
                    : "select '" + markers.unauthenticated(id) + "'";
            m.note("then in the same write: " + query);
            behind = Wire.query(query);
        }
        return new FuzzCase(id, FuzzCase.Phase.DURING_LOGIN, target, behind, planSeed, null, List.of(),
                end(m, 60, 30), m.applied());
    }

    private FuzzCase afterLogin(long id, Mutator m) {
        SplittableRandom r = m.random();
        FuzzCase.Target target = pick(m, targets.afterLogin());
        SessionCorpus.Session session = pick(m, corpus.sessions());
        List<byte[]> messages = session.frontend();
        int from = r.nextInt(messages.size());
        int to = Math.min(messages.size(), from + 1 + r.nextInt(30));
        m.note(session.name() + " messages " + from + ".." + (to - 1));
        List<byte[]> mutated = m.mutateTyped(messages.subList(from, to), 1 + r.nextInt(4),
                Mutator.frontendPalette(markers.authenticated(id)));
        byte[] input = Mutator.join(mutated);
        if (r.nextInt(10) < 3) {
            input = m.damageStream(input);
        }
        return new FuzzCase(id, FuzzCase.Phase.AFTER_LOGIN, target, input, 0, null, writes(m, input.length),
                end(m, 50, 35), m.applied());
    }

    private FuzzCase serverReply(long id, Mutator m) {
        SplittableRandom r = m.random();
        String tag = HostileServer.tag(id);
        List<byte[]> reply = HostileServer.normalReply(tag);
        HostileServer.Reply serverReply;
        int kind = r.nextInt(100);
        if (kind < 12) {
            m.note("server: the normal reply");
            serverReply = new HostileServer.Reply(Mutator.join(reply), false);
        } else if (kind < 17) {
            m.note("server: no reply, close");
            serverReply = new HostileServer.Reply(new byte[0], true);
        } else {
            byte[] bytes = Mutator.join(m.mutateTyped(reply, 1 + r.nextInt(3), backendPalette));
            if (r.nextInt(4) == 0) {
                bytes = m.damageStream(bytes);
            }
            boolean framed = framesExactly(bytes);
            boolean closeAfter = !framed || r.nextInt(10) < 3;
            m.note("server: " + (framed ? "framing intact" : "framing broken") + (closeAfter ? ", then close" : ""));
            serverReply = new HostileServer.Reply(bytes, closeAfter);
        }
        byte[] input = Wire.query("select '" + tag + "'");
        return new FuzzCase(id, FuzzCase.Phase.SERVER_REPLY, targets.hostileServer(), input, 0, serverReply,
                List.of(input.length), end(m, 80, 20), m.applied());
    }

    /** True when the bytes are whole typed messages with sane lengths, nothing left over. */
    static boolean framesExactly(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.remaining() >= 5) {
            int length = b.getInt(b.position() + 1);
            if (length < 4 || length > b.remaining() - 1) {
                return false;
            }
            b.position(b.position() + 1 + length);
        }
        return !b.hasRemaining();
    }

    private static FuzzCase.End end(Mutator m, int waitPercent, int halfClosePercent) {
        int e = m.random().nextInt(100);
        return e < waitPercent ? FuzzCase.End.WAIT_FOR_ANSWER
                : e < waitPercent + halfClosePercent ? FuzzCase.End.HALF_CLOSE_AT_ONCE : FuzzCase.End.RESET;
    }

    /** One write mostly; else two to five, cut at random places. */
    private static List<Integer> writes(Mutator m, int length) {
        SplittableRandom r = m.random();
        if (length < 2 || r.nextInt(10) < 6) {
            return List.of(length);
        }
        int parts = 2 + r.nextInt(4);
        List<Integer> cuts = new ArrayList<>();
        for (int i = 0; i < parts - 1; i++) {
            cuts.add(1 + r.nextInt(length - 1));
        }
        cuts.add(0);
        cuts.add(length);
        List<Integer> sorted = cuts.stream().distinct().sorted().toList();
        List<Integer> sizes = new ArrayList<>();
        for (int i = 1; i < sorted.size(); i++) {
            sizes.add(sorted.get(i) - sorted.get(i - 1));
        }
        return sizes;
    }

    private static <T> T pick(Mutator m, List<T> list) {
        return list.get(m.random().nextInt(list.size()));
    }

    /** The strings a run's clients put in their queries, unique to the run. */
    record Markers(String run) {
        /** Only ever sent by clients that never authenticate: PostgreSQL must never see it. */
        String unauthenticated(long id) {
            return "unauth-" + run + "-" + id;
        }

        String unauthenticatedPrefix() {
            return "unauth-" + run;
        }

        String authenticated(long id) {
            return "authok-" + run + "-" + id;
        }

        String sentinel(long id) {
            return "sentinel-" + run + "-" + id;
        }

        String sentinelPrefix() {
            return "sentinel-" + run + "-";
        }
    }
}
