package jbert.trainer.report;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The PNG charts of a run, drawn headless with JFreeChart: training loss and learning rate against
 * step, accuracy per epoch (epoch 0 is the base model), and the final confusion matrix.
 */
public final class Charts {
    private Charts() {}

    static { System.setProperty("java.awt.headless", "true"); }

    private static final Color LOSS = new Color(0x1f77b4), LR = new Color(0xff7f0e), ACC = new Color(0x2ca02c);
    private static final int W = 900, H = 500;

    /** Loss (left axis) and learning rate (right axis) of every logged step. */
    public static void lossAndLr(List<StepLog> steps, Path png) throws IOException {
        XYSeries loss = new XYSeries("training loss"), lr = new XYSeries("learning rate");
        for (StepLog s : steps) { loss.add(s.step(), s.loss()); lr.add(s.step(), s.lr()); }
        XYPlot plot = new XYPlot();
        plot.setDomainAxis(new NumberAxis("step"));
        plot.setDataset(0, new XYSeriesCollection(loss));
        plot.setRangeAxis(0, new NumberAxis("loss"));
        plot.setRenderer(0, lines(LOSS, false));
        NumberAxis lrAxis = new NumberAxis("learning rate");
        lrAxis.setAutoRangeIncludesZero(true);
        plot.setDataset(1, new XYSeriesCollection(lr));
        plot.setRangeAxis(1, lrAxis);
        plot.mapDatasetToRangeAxis(1, 1);
        plot.setRenderer(1, lines(LR, false));
        style(plot);
        save(new JFreeChart("Training loss and learning rate", JFreeChart.DEFAULT_TITLE_FONT, plot, true), png);
    }

    /** Accuracy of each evaluation against its epoch. */
    public static void accuracy(List<EvalLog> evals, Path png) throws IOException {
        XYSeries acc = new XYSeries("accuracy");
        for (EvalLog e : evals) acc.add(e.epoch(), e.accuracy());
        XYPlot plot = new XYPlot();
        NumberAxis x = new NumberAxis("epoch (0 = base model)");
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        double last = evals.isEmpty() ? 1 : Math.max(1, evals.get(evals.size() - 1).epoch());
        x.setRange(-0.25, last + 0.25); // room for the first and last labels
        plot.setDomainAxis(x);
        NumberAxis y = new NumberAxis("accuracy");
        y.setRange(0, 1.08);            // room for a label above 1.0
        plot.setRangeAxis(y);
        plot.setDataset(new XYSeriesCollection(acc));
        XYLineAndShapeRenderer r = lines(ACC, true);
        plot.setRenderer(r);
        for (EvalLog e : evals) {
            XYTextAnnotation a = new XYTextAnnotation(String.format(java.util.Locale.ROOT, "%.3f", e.accuracy()),
                    e.epoch(), e.accuracy() + 0.035);
            a.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            plot.addAnnotation(a);
        }
        style(plot);
        save(new JFreeChart("Validation accuracy per epoch", JFreeChart.DEFAULT_TITLE_FONT, plot, false), png);
    }

    /** The confusion matrix as a heat map with the count in each cell; true class on the rows. */
    public static void confusion(ClassificationMetrics m, String title, Path png) throws IOException {
        int C = m.labels().size();
        double[] xs = new double[C * C], ys = new double[C * C], zs = new double[C * C];
        long max = 1;
        for (int t = 0; t < C; t++) {
            for (int p = 0; p < C; p++) {
                int i = t * C + p;
                xs[i] = p; ys[i] = t; zs[i] = m.confusion()[t][p];
                max = Math.max(max, m.confusion()[t][p]);
            }
        }
        DefaultXYZDataset ds = new DefaultXYZDataset();
        ds.addSeries("counts", new double[][] {xs, ys, zs});
        String[] names = m.labels().toArray(new String[0]);
        SymbolAxis x = new SymbolAxis("predicted", names), y = new SymbolAxis("true", names);
        x.setGridBandsVisible(false);
        y.setGridBandsVisible(false);
        y.setInverted(true); // first class on top, as the table reads
        XYBlockRenderer r = new XYBlockRenderer();
        LookupPaintScale scale = new LookupPaintScale(0, max + 1, Color.WHITE);
        for (int k = 0; k <= 20; k++) { // white to blue in 21 steps
            double f = k / 20.0;
            scale.add(f * max, new Color((int) (255 - 224 * f), (int) (255 - 136 * f), (int) (255 - 75 * f)));
        }
        r.setPaintScale(scale);
        XYPlot plot = new XYPlot(ds, x, y, r);
        for (int t = 0; t < C; t++) {
            for (int p = 0; p < C; p++) {
                long v = m.confusion()[t][p];
                XYTextAnnotation a = new XYTextAnnotation(Long.toString(v), p, t);
                a.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
                a.setPaint(v > max / 2 ? Color.WHITE : Color.BLACK);
                plot.addAnnotation(a);
            }
        }
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        chart.addSubtitle(new TextTitle(String.format(java.util.Locale.ROOT, "accuracy %.4f, macro-F1 %.4f",
                m.accuracy(), m.macroF1())));
        chart.setBackgroundPaint(Color.WHITE);
        int side = Math.max(450, 120 * C + 200);
        save(chart, png, side, side);
    }

    private static XYLineAndShapeRenderer lines(Color c, boolean shapes) {
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, shapes);
        r.setSeriesPaint(0, c);
        r.setSeriesStroke(0, new BasicStroke(shapes ? 2.0f : 1.2f));
        return r;
    }

    private static void style(XYPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    }

    private static void save(JFreeChart chart, Path png) throws IOException { save(chart, png, W, H); }

    private static void save(JFreeChart chart, Path png, int w, int h) throws IOException {
        chart.setBackgroundPaint(Color.WHITE);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(out, chart, w, h);
        Json.writeAtomically(png, out.toByteArray());
    }
}
