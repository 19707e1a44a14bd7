# Writes the svmlight files of Tests/DescentTestSupport/RealWriterFiles.swift (read by
# SVMLightFileTests) with scikit-learn's dump_svmlight_file, and the same rows as a CSV with
# numpy.savetxt. The tests run it in a fresh folder when python3 has scikit-learn, else they
# read the copies checked in beside it.
import numpy as np
import scipy.sparse as sp
from sklearn.datasets import dump_svmlight_file

n, d = 60, 7
X = np.zeros((n, d))
for i in range(n):
    for j in range(d):
        if (i * 7 + j * 3) % 5 < 2:
            X[i, j] = (i - 2 * j) / 8
X[3, :] = 0  # a row with only its label
X[5, d - 1] = 1e-7
y = np.array([1 if i % 3 else -1 for i in range(n)])
dump_svmlight_file(sp.csr_matrix(X), y, 'svm-one.svm', zero_based=False, comment='written by dump_svmlight_file')
dump_svmlight_file(X, y, 'svm-zero.svm', zero_based=True)
names = ','.join([f'x{j}' for j in range(d)] + ['label'])
np.savetxt('svm-dense.csv', np.column_stack([X, y]), delimiter=',', header=names, comments='', fmt='%.17g')
