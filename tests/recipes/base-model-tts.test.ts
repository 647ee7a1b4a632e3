import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BASE_RECIPE, prepareData } from '../../electron/engine/recipes/base-model';
import { espeakVersion } from '../../electron/engine/synth/espeak';
import { benchSubset } from '../helpers';

describe.skipIf(!espeakVersion() && !process.env.CI)(
  'base recipe synthetic strings through the Synthesizer',
  () => {
    it('prepares exactly the waveforms the recipe made before espeak-ng moved behind the Synthesizer', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'base-tts-'));
      try {
        const manifest = await benchSubset('fsdd-source-train.jsonl', (i) => i % 100 === 0 && i < 800, dir);
        const data = await prepareData(
          {
            ...DEFAULT_BASE_RECIPE,
            trainManifest: manifest,
            testManifest: manifest,
            outDir: path.join(dir, 'out'),
            numStrings: 2,
            clipCopies: 1,
            ttsStrings: 6,
            seed: 11,
          },
          dir,
          () => {},
        );
        const tts = data.train.filter((w) => w.source.startsWith('tts'));
        expect(tts.map((w) => `${w.source}:${w.text}`)).toEqual([
          'tts en-us+f3:four six three nine eight eight two one nine',
          'tts en-us+m2:one nine five seven eight six six three six seven',
          'tts en-gb+m2:five one seven three four eight four six nine nine',
          'tts en-gb-scotland+m3:seven five nine zero zero',
          'tts en-gb+f2:one nine six seven zero one zero',
          'tts en-gb-x-gbclan+klatt3:four six four six zero',
        ]);
        const h = createHash('sha256');
        for (const w of data.train) {
          h.update(`${w.text}|${w.source}|`);
          h.update(Buffer.from(w.samples.buffer, w.samples.byteOffset, w.samples.byteLength));
        }
        // computed by the recipe at commit e43b6d5 (recipes/tts.ts calling espeak-ng 1.51 itself)
        expect(h.digest('hex')).toBe('cc3c457a45b6f6163d5bd7983f19956344265d7664993cd76b963014e8ac7db1');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  },
);
