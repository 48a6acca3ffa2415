package io.pooler.pool;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@link PoolShard}'s side of the donations of servers across shards.
 *
 * <p>A shard whose clients wait with no idle server posts a {@link DonationRequest} to the other
 * shards, when the pool-wide count is full, when its logins back off after a failure (a server that
 * moves needs no login), or when another shard has an idle server (a server moved
 * costs two epoll registrations; a server launched costs a login and a PostgreSQL backend, and the pool
 * would grow to the sum of the loops' peaks instead of the pool's peak). A shard with no waiter of its
 * own gives its idle server at once: it moves the connection to the needy shard's loop
 * ({@link PooledServer#moveTo}). A shard with nothing to give while the pool is below pool_size tells
 * the needy shard to launch (its idle server was taken by its own client meanwhile). A shard with
 * waiters gives one up only when it holds at least two servers more than the needy one, so two busy
 * shards do not pass a server back and forth. Otherwise it
 * remembers the request and looks again when it releases a server and at each janitor round. A server
 * that cannot move is given by closing it, which frees a slot the needy shard launches into; that
 * costs a login, so it is done only towards balance or for a server idle
 * {@link #DONATE_IDLE_AFTER_NANOS}. The counts compared are current
 * ({@link ShardLists#publishedServers()}), never those of when the request was made.
 *
 * <p>NOTE: owned by the shard's loop. The methods other shards reach ({@link #donationRequested},
 * {@link #adopt}, {@link #donationArrived}) are posted to that loop and check it; the rest are called
 * by the shard, which has checked it.
 */
final class ShardDonations {
    /** An unanswered request is withdrawn and posted afresh after this long (its figures are stale). */
    static final long DONATION_RENEW_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * A server idle this long is given to another shard's waiters even when this shard does not hold
     * more servers than the needy one: its own demand has really dropped. Shorter idle spells are the
     * ordinary gaps of a busy loop; giving those away made two busy loops pass servers back and forth,
     * one server login each time (151 donations in 20 s of pgbench -S -c 50 on a pool of 20).
     */
    static final long DONATE_IDLE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final PoolShard shard;
    private final Pool pool;
    private final ShardLists lists;

    /** This shard's request for a slot held elsewhere, while it is out; at most one. */
    private DonationRequest outstandingRequest;
    /** Other shards' requests this one could not honour yet, oldest first. */
    private final ArrayDeque<DonationRequest> pendingRequests = new ArrayDeque<>();

    ShardDonations(PoolShard shard, ShardLists lists) {
        this.shard = shard;
        this.pool = shard.pool();
        this.lists = lists;
    }

    // ---- the needy side ----

    /** Whether another shard has an idle server that could move here, instead of one more launch. */
    boolean otherShardHasIdle() {
        if (!pool.serverFactory().serversCanMove()) {
            return false;
        }
        for (PoolShard other : pool.shards()) {
            if (other != shard && other.lists.publishedHasIdle()) {
                return true;
            }
        }
        return false;
    }

    /** Whether a shard took this shard's request: its server (or slot) is on its way here. */
    boolean requestTaken() {
        return outstandingRequest != null && !outstandingRequest.isLive();
    }

    void requestDonation() {
        if (outstandingRequest != null || lists.waitingClients.isEmpty()) {
            return;
        }
        List<PoolShard> others = new ArrayList<>();
        for (PoolShard other : pool.shards()) {
            if (other != shard) {
                others.add(other);
            }
        }
        if (others.isEmpty()) {
            return;
        }
        DonationRequest request = new DonationRequest(shard, pool.now());
        outstandingRequest = request;
        for (PoolShard other : others) {
            Runnable ask = () -> other.donations.donationRequested(request);
            if (other.lists.publishedHasIdle()) {
                other.post(ask);
            } else {
                // NOTE: it has nothing to give until it releases a server, on a wake-up of its own; one
                // that releases a server as this is posted is awake and takes the task in the same pass
                other.postWithoutWakeUp(ask);
            }
        }
    }

    /** Nobody took this shard's request in {@link #DONATION_RENEW_NANOS}: withdrawn, to be posted afresh. */
    void renewStaleRequest(long now) {
        if (outstandingRequest != null && now - outstandingRequest.postedNanos() > DONATION_RENEW_NANOS
                && outstandingRequest.claim()) {
            outstandingRequest = null; // nobody took it: post it afresh (a taken one is on its way here)
        }
    }

    void withdrawRequestIfNobodyWaits() {
        if (lists.waitingClients.isEmpty()) {
            withdrawRequest();
        }
    }

    /** A request a donor already claimed still arrives (and finds nothing to launch for); the slot stays free. */
    void withdrawRequest() {
        if (outstandingRequest != null) {
            outstandingRequest.claim();
            outstandingRequest = null;
        }
    }

    /** A server another shard gave this one arrived on this loop: it serves the waiting clients. */
    private void adopt(PooledServer server, DonationRequest request, boolean checkDue) {
        shard.checkLoop();
        if (server.state == ServerState.CLOSED) {
            // NOTE: its connection ended on the way and serverClosed has dealt with it already (the move's
            // end, the slot freed for the waiting clients). PooledServer.moveTo says it then never arrives;
            // this holds the pool to that should a handler break it (the daemon's once did, its listener
            // run after the new loop had read the hang-up). Adopted, it would go to a client whose query
            // goes nowhere.
            return;
        }
        endMove(server);
        if (outstandingRequest == request) {
            outstandingRequest = null;
        }
        if (checkDue && !lists.waitingClients.isEmpty()) {
            // server_check_delay passed on the old loop
            lists.moveServer(server, lists.testedServers, ServerState.TESTED);
            lists.publishServers();
            server.runCheckQuery();
            return;
        }
        lists.moveServer(server, lists.idleServers, ServerState.IDLE);
        lists.publishServers();
        shard.releaseServer(server, false);
    }

    /** A shard freed a slot for this shard's waiting clients: launch into it. */
    void donationArrived(DonationRequest request) {
        shard.checkLoop();
        if (outstandingRequest == request) {
            outstandingRequest = null;
        }
        shard.launcher.maybeLaunch();
    }

    /** A shard this one asked has nothing idle but the pool has room: launch, if the request still stands. */
    private void roomToLaunch(DonationRequest request) {
        shard.checkLoop();
        if (outstandingRequest == request && request.isLive()) {
            shard.launcher.maybeLaunch();
        }
    }

    /** The server was moving between loops and has now arrived, or closed on the way. */
    void endMove(PooledServer server) {
        if (server.moving) {
            server.moving = false;
            pool.moveEnded();
            if (outstandingRequest != null && !outstandingRequest.isLive()) {
                outstandingRequest = null; // it was ours, and it closed on the way: ask again
            }
        }
    }

    // ---- the giving side ----

    /** Another shard's clients wait for a slot of the pool: give up an idle server now, or remember it. */
    void donationRequested(DonationRequest request) {
        shard.checkLoop();
        if (!request.isLive()) {
            return;
        }
        if (lists.waitingClients.isEmpty()) {
            PooledServer victim = lists.longestIdle();
            if (victim != null && (victim.canMove() || lists.totalServers() > request.needy().lists.publishedServers()
                    || pool.now() - victim.idleSinceNanos >= DONATE_IDLE_AFTER_NANOS)) {
                if (request.claim()) {
                    donate(victim, request);
                }
                return;
            }
        }
        if (pool.serverCount() < pool.settings().poolSize()) {
            // The needy shard asked for an idle server this shard has used meanwhile, and the pool has
            // room: it may launch now, as PgBouncer's next loop iteration would. The request stays here
            // too, for when it cannot (a login backing off after a restart): then a server this shard
            // releases goes to it, as before. Its waiters linked, the needy shard withdraws it.
            PoolShard needy = request.needy();
            needy.post(() -> needy.donations.roomToLaunch(request));
        }
        pendingRequests.removeIf(r -> !r.isLive());
        pendingRequests.add(request);
    }

    /**
     * The first live request this shard should serve with the server it is releasing: always when it has
     * no waiter of its own; otherwise only when it holds at least two servers more than the needy shard
     * had, so a busy shard cannot starve another, and two busy shards do not pass a slot back and forth
     * (each pass costs a server login).
     */
    DonationRequest claimDueRequest(PooledClient localOldest, PooledServer server) {
        for (Iterator<DonationRequest> it = pendingRequests.iterator(); it.hasNext(); ) {
            DonationRequest request = it.next();
            if (!request.isLive()) {
                it.remove();
                continue;
            }
            int needy = request.needy().lists.publishedServers();
            boolean due = localOldest == null
                    ? server.canMove() || lists.totalServers() > needy
                    : lists.totalServers() > needy + 1;
            if (!due) {
                return null;
            }
            it.remove();
            if (request.claim()) {
                return request;
            }
        }
        return null;
    }

    /**
     * Gives {@code server} to the needy shard: moved to its loop when it can move, otherwise closed to
     * free its slot, which the needy shard then launches into on its own loop.
     */
    void donate(PooledServer server, DonationRequest request) {
        if (server.canMove()) {
            pool.moveStarted();
            server.moving = true;
            boolean checkDue = server.state == ServerState.USED;
            ShardLists.unlist(server); // NOTE: it keeps its slots; from now on the needy shard owns it
            server.state = ServerState.IDLE;
            lists.publishServers();
            lists.publishIdle();
            PoolShard needy = request.needy();
            server.shard = needy;
            server.moveTo(needy.loop(), () -> needy.donations.adopt(server, request, checkDue));
            return;
        }
        pool.donated();
        lists.dropServer(server);
        server.close("slot given to clients on another event loop");
        tellNeedy(request);
    }

    /** A pending request served by a server idle for {@link #DONATE_IDLE_AFTER_NANOS} (the janitor's round). */
    void donateLongIdleServers(long now) {
        DonationRequest request;
        PooledServer victim;
        while ((victim = lists.longestIdle()) != null && now - victim.idleSinceNanos >= DONATE_IDLE_AFTER_NANOS
                && (request = pendingRequests.poll()) != null) {
            if (request.claim()) {
                donate(victim, request);
            }
        }
    }

    boolean hasPendingRequests() {
        return !pendingRequests.isEmpty();
    }

    /** A slot this shard freed with no waiter of its own: it goes to the oldest live request, if any. */
    void giveFreedSlot() {
        DonationRequest request;
        while ((request = pendingRequests.poll()) != null) {
            if (request.claim()) {
                tellNeedy(request);
                return;
            }
        }
    }

    private void tellNeedy(DonationRequest request) {
        PoolShard needy = request.needy();
        needy.post(() -> needy.donations.donationArrived(request));
    }
}
