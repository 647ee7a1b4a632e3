import { describe, expect, it } from 'vitest';
import { NgramLM, trainKneserNey } from '../../electron/engine/decode/ngram';

/**
 * Toy corpus "a b" and "a", bigram, fixed discount D = 0.5. Hand computation:
 *   padded: <s> a b </s> ; <s> a </s>
 *   unigram continuation counts N1+(. w): a 1 (<s>), b 1 (a), </s> 2 (b, a); total 4, 3 types
 *   gamma_1 = 0.5 * 3 / 4 = 0.375; |V| = 4 (a, b, </s>, <unk>)
 *   p1(a) = p1(b) = 0.5/4 + 0.375/4 = 0.21875 ; p1(</s>) = 1.5/4 + 0.09375 = 0.46875 ; p1(<unk>) = 0.09375
 *   context a: c(a b) = c(a </s>) = 1, total 2, gamma = 0.5 * 2 / 2 = 0.5
 *     p(b | a) = 0.5/2 + 0.5 * 0.21875 = 0.359375 ; p(</s> | a) = 0.25 + 0.5 * 0.46875 = 0.484375
 *     p(a | a) = 0.5 * 0.21875 = 0.109375 (backoff)
 *   context <s>: c(<s> a) = 2, gamma = 0.5 * 1 / 2 = 0.25 ; p(a | <s>) = 1.5/2 + 0.25 * 0.21875 = 0.8046875
 *   context b: c(b </s>) = 1, gamma = 0.5 ; p(</s> | b) = 0.5 + 0.5 * 0.46875 = 0.734375
 */
describe('Kneser-Ney n-gram LM', () => {
  const lm = trainKneserNey(['a b', 'a'], { order: 2, discount: 0.5 });
  const p = (ctx: string[], w: string) => 10 ** lm.log10Prob(ctx, w);

  it('matches hand-computed interpolated Kneser-Ney probabilities', () => {
    expect(p([], 'a')).toBeCloseTo(0.21875, 10);
    expect(p([], '</s>')).toBeCloseTo(0.46875, 10);
    expect(p([], 'zebra')).toBeCloseTo(0.09375, 10); // <unk>
    expect(p(['a'], 'b')).toBeCloseTo(0.359375, 10);
    expect(p(['a'], '</s>')).toBeCloseTo(0.484375, 10);
    expect(p(['a'], 'a')).toBeCloseTo(0.109375, 10);
    expect(p(['<s>'], 'a')).toBeCloseTo(0.8046875, 10);
    expect(p(['<s>'], 'b')).toBeCloseTo(0.25 * 0.21875, 10);
    expect(p(['b'], '</s>')).toBeCloseTo(0.734375, 10);
    expect(10 ** lm.sentenceLog10Prob(['a', 'b'])).toBeCloseTo(0.8046875 * 0.359375 * 0.734375, 10);
  });

  it('every context distribution sums to 1 over the vocabulary', () => {
    const big = trainKneserNey(['one two three', 'two two one', 'three one two two', 'one'], { order: 3 });
    const vocab = big.vocabulary; // includes </s> and <unk>
    for (const ctx of [['<s>'], ['<s>', 'one'], ['two', 'two'], ['three', 'one'], ['one', 'zebra']]) {
      const sum = vocab.reduce((a, w) => a + 10 ** big.log10Prob(ctx, w), 0);
      expect(sum).toBeCloseTo(1, 5);
    }
  });

  it('ARPA round trip keeps every probability (to the 6 decimals ARPA stores)', () => {
    const big = trainKneserNey(['one two three', 'two two one', 'three one two two', 'one'], { order: 3 });
    const text = big.toArpa();
    expect(text).toMatch(/\\data\\\nngram 1=\d+\nngram 2=\d+\nngram 3=\d+/);
    const back = NgramLM.fromArpa(text);
    expect(back.order).toBe(3);
    for (const ctx of [['<s>'], ['one', 'two'], ['two', 'two'], ['zebra']]) {
      for (const w of ['one', 'two', 'three', '</s>', 'zebra']) {
        expect(back.log10Prob(ctx, w)).toBeCloseTo(big.log10Prob(ctx, w), 5);
      }
    }
  });

  it('reads a hand-written ARPA file with backoff (as KenLM/SRILM write it)', () => {
    const arpa = `\\data\\\nngram 1=4\nngram 2=2\n\n\\1-grams:\n-1.0\t<unk>\n-99\t<s>\t-0.3\n-0.5\thello\t-0.2\n-0.4\t</s>\n\n\\2-grams:\n-0.1\t<s> hello\n-0.2\thello </s>\n\n\\end\\\n`;
    const m = NgramLM.fromArpa(arpa);
    expect(m.log10Prob(['<s>'], 'hello')).toBeCloseTo(-0.1, 12);
    expect(m.log10Prob(['hello'], 'hello')).toBeCloseTo(-0.2 + -0.5, 12); // bo(hello) + p(hello)
    expect(m.log10Prob(['<s>'], 'xyz')).toBeCloseTo(-0.3 + -1.0, 12); // bo(<s>) + p(<unk>)
    expect(() => NgramLM.fromArpa('hello', 'x.arpa')).toThrow('x.arpa: not an ARPA file');
    expect(() => NgramLM.fromArpa(arpa.replace('ngram 2=2', 'ngram 2=3'), 'x.arpa')).toThrow(
      'x.arpa: \\data\\ says 3 2-grams but 2 are listed',
    );
  });
});
