package io.pooler.admin.advice;

/**
 * One row of SHOW ADVICE: a setting to change, its value now, the value suggested and why, in one
 * sentence with the figures. A pool with nothing to change gets one row with no setting and a reason
 * that says so.
 */
public record Advice(String database, String user, String setting, String currentValue, String suggestedValue,
                     String reason) {

    static Advice change(PoolLoad p, String setting, Object current, Object suggested, String reason) {
        return new Advice(p.database(), p.user(), setting, String.valueOf(current), String.valueOf(suggested), reason);
    }

    static Advice noChange(PoolLoad p, String reason) {
        return new Advice(p.database(), p.user(), null, null, null, reason);
    }

    public boolean isChange() {
        return setting != null;
    }
}
