# Writes the files of Tests/DescentTestSupport/RealWriterFiles.swift (read by RowFileTests and
# NPYFileTests) with the real writers: numpy (save, savez, savez_compressed, savetxt,
# format.write_array), pandas (to_csv) and the csv module. The tests run it in a fresh folder
# when python3 has numpy and pandas, else they read the copies checked in beside it.
import csv
import numpy as np
import pandas as pd

n = 50
X = np.array([[(i * 10 + j) / 4 - 3 for j in range(3)] for i in range(n)])
yi = np.array([7 if i % 3 == 0 else -1 for i in range(n)])
ys = np.array(['setosa', 'versicolor', 'virginica'])[np.arange(n) % 3]
full = np.column_stack([X, yi])
np.save('f8.npy', full)
np.save('f4.npy', full.astype(np.float32))
np.save('i4.npy', (full * 4).astype(np.int32))
np.save('be.npy', full.astype('>f8'))
np.save('fortran.npy', np.asfortranarray(full))
with open('v2.npy', 'wb') as f:
    np.lib.format.write_array(f, full, version=(2, 0))
with open('v3.npy', 'wb') as f:
    np.lib.format.write_array(f, full, version=(3, 0))
np.savez('xy.npz', X=X, y=yi)
np.savez('strings.npz', X=X.astype(np.float32), y=ys)
np.savez_compressed('compressed.npz', X=X, y=yi)
np.save('cube.npy', np.zeros((2, 2, 2)))
np.save('complex.npy', np.zeros((3, 2), dtype=complex))
np.save('object.npy', np.array([[1, 'a'], [2, 'b']], dtype=object), allow_pickle=True)
np.savez('noy.npz', X=X)
np.savez('mismatch.npz', X=X, y=yi[:-1])
data = open('f8.npy', 'rb').read()
open('truncated.npy', 'wb').write(data[:len(data) - 20])
np.savetxt('savetxt.csv', full, delimiter=',')
np.savetxt('savetxt.tsv', full, delimiter='\t')
df = pd.DataFrame(X, columns=['a', 'b', 'c'])
df['species'] = ys
df.to_csv('pandas_index.csv')
df.to_csv('pandas.csv', index=False)
df.to_csv('pandas_quoted.csv', index=False, quoting=csv.QUOTE_NONNUMERIC)
df.to_csv('pandas.tsv', sep='\t', index=False)
df.to_csv('pandas_semicolon.csv', sep=';')
with open('quote_all.csv', 'w', newline='') as f:
    w = csv.writer(f, quoting=csv.QUOTE_ALL)
    w.writerow(['a', 'b', 'c', 'species'])
    for r, s in zip(X, ys):
        w.writerow([repr(float(v)) for v in r] + [s])
