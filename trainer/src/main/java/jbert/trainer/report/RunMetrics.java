package jbert.trainer.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything metrics.json holds: the versions and configuration of the run, its seed and data, every
 * logged step, every evaluation, and the result. A checkpoint keeps a copy, so a resumed run's
 * metrics.json holds the whole history, not just what happened after the resume.
 */
public final class RunMetrics {
    public String jbertVersion;
    public Map<String, String> versions = new LinkedHashMap<>();
    public long seed;
    public Map<String, Object> config = new LinkedHashMap<>();
    public Map<String, Object> data = new LinkedHashMap<>();
    public List<StepLog> steps = new ArrayList<>();
    public List<EvalLog> evals = new ArrayList<>();
    /** Filled at the end: accuracies, improvement, timings, peak memory. */
    public Map<String, Object> result = new LinkedHashMap<>();

    public EvalLog base() {
        for (EvalLog e : evals) if (e.name().equals("base")) return e;
        return null;
    }

    /** The last evaluation after training (the fine-tuned model's), or null. */
    public EvalLog last() {
        for (int i = evals.size() - 1; i >= 0; i--) if (!evals.get(i).name().equals("base")) return evals.get(i);
        return null;
    }

    /** Deep copy through JSON (for the checkpoint's snapshot). */
    public RunMetrics copy() {
        return Json.MAPPER.convertValue(this, RunMetrics.class);
    }
}
