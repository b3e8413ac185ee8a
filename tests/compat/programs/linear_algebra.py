"""torch.linalg basics: solving, least squares, decompositions, norms and
torch.autograd.functional, on deterministic matrices."""
import torch

torch.set_printoptions(precision=4)
n = 4
eye = torch.eye(n, dtype=torch.float64)
A = torch.sin(torch.arange(n * n, dtype=torch.float64).reshape(n, n)) + n * eye
b = torch.cos(torch.arange(n, dtype=torch.float64))
S = A @ A.T

x = torch.linalg.solve(A, b)
print("solve", x, torch.allclose(A @ x, b))
print("inv", torch.linalg.inv(A)[0])
print("det {:.6f}".format(torch.linalg.det(A).item()))
print("slogdet", torch.linalg.slogdet(A))
L = torch.linalg.cholesky(S)
print("cholesky diag", torch.diagonal(L))
print("eigvalsh", torch.linalg.eigvalsh(S))
print("svdvals", torch.linalg.svdvals(A))
Q, R = torch.linalg.qr(A)
print("qr |diag R|", torch.diagonal(R).abs(), torch.allclose(Q @ R, A))
X = torch.stack([torch.ones(6, dtype=torch.float64), torch.arange(6.0, dtype=torch.float64)], 1)
y = 2.0 + 0.5 * torch.arange(6.0, dtype=torch.float64) + 0.1 * torch.sin(torch.arange(6.0))
print("lstsq", torch.linalg.lstsq(X, y.unsqueeze(1)).solution.flatten())
print("pinv", torch.linalg.pinv(X)[:, :2])
print("norms {:.4f} {:.4f} {:.4f}".format(torch.linalg.norm(A).item(),
                                          torch.linalg.matrix_norm(A, ord=2).item(),
                                          torch.linalg.vector_norm(b, ord=1).item()))
print("rank", torch.linalg.matrix_rank(X).item(), "cond {:.4f}".format(torch.linalg.cond(A).item()))
print("trace {:.4f}".format(torch.trace(A).item()), "power", torch.linalg.matrix_power(A, 2)[0])

Ar = A.clone().requires_grad_()
torch.linalg.det(Ar).backward()
print("d det / dA row 0", Ar.grad[0])


def f(v):
    return (v ** 3).sum() + v[0] * v[1]


v = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
print("jacobian", torch.autograd.functional.jacobian(lambda t: t ** 2 + t.sum(), v))
print("hessian", torch.autograd.functional.hessian(f, v))
ones = torch.ones(3, dtype=torch.float64)
print("vjp", torch.autograd.functional.vjp(lambda t: t * t, v, ones)[1])
