package jbert.trainer;

/** Entry point of the {@code jbert} command. */
public final class Main {
    public static void main(String[] args) {
        System.out.println("jbert 0.1.0");
    }
}
