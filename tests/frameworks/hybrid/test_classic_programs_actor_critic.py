"""MXNet 1.x's example/gluon/actor_critic/actor_critic.py, verbatim but for the imports (mxnet ->
frameworks.hybrid, mxnet.ndarray -> frameworks.hybrid.ndarray) and 30 episodes where it runs until solved
(`for epoch in count(1)` -> `range(1, 31)`): a gluon.Block with two heads, nd.sample_multinomial(prob,
get_prob=True) recorded under autograd, autograd.backward over a list of heads (L1Loss sum and the
log-probabilities scaled by the advantage), Trainer('adam').step(t). gym is not installed: a module named
gym giving CartPole-v0 with gym's own dynamics (classic_control/cartpole.py, its 200-step limit) stands in."""
import runpy
import sys
import types

import numpy as np

import frameworks.hybrid as mx

ACTOR_CRITIC = r'''# Licensed to the Apache Software Foundation (ASF) under one
# or more contributor license agreements.  See the NOTICE file
# distributed with this work for additional information
# regarding copyright ownership.  The ASF licenses this file
# to you under the Apache License, Version 2.0 (the
# "License"); you may not use this file except in compliance
# with the License.  You may obtain a copy of the License at
#
#   http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing,
# software distributed under the License is distributed on an
# "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY
# KIND, either express or implied.  See the License for the
# specific language governing permissions and limitations
# under the License.

from __future__ import print_function

import argparse
import gym
from itertools import count
import numpy as np

import frameworks.hybrid as mx
import frameworks.hybrid.ndarray as F
from frameworks.hybrid import gluon
from frameworks.hybrid.gluon import nn
from frameworks.hybrid import autograd


parser = argparse.ArgumentParser(description='MXNet actor-critic example')
parser.add_argument('--gamma', type=float, default=0.99, metavar='G',
                    help='discount factor (default: 0.99)')
parser.add_argument('--seed', type=int, default=543, metavar='N',
                    help='random seed (default: 1)')
parser.add_argument('--render', action='store_true',
                    help='render the environment')
parser.add_argument('--log-interval', type=int, default=10, metavar='N',
                    help='interval between training status logs (default: 10)')
args = parser.parse_args()


env = gym.make('CartPole-v0')
env.seed(args.seed)


class Policy(gluon.Block):
    def __init__(self, **kwargs):
        super(Policy, self).__init__(**kwargs)
        with self.name_scope():
            self.dense = nn.Dense(16, in_units=4, activation='relu')
            self.action_pred = nn.Dense(2, in_units=16)
            self.value_pred = nn.Dense(1, in_units=16)

    def forward(self, x):
        x = self.dense(x)
        probs = self.action_pred(x)
        values = self.value_pred(x)
        return F.softmax(probs), values

net = Policy()
net.initialize(mx.init.Uniform(0.02))
trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': 3e-2})
loss = gluon.loss.L1Loss()

running_reward = 10
for epoch in range(1, 31):
    state = env.reset()
    rewards = []
    values = []
    heads = []
    actions = []
    with autograd.record():
        # Sample a sequence of actions
        for t in range(10000):
            state = mx.nd.array(np.expand_dims(state, 0))
            prob, value = net(state)
            action, logp = mx.nd.sample_multinomial(prob, get_prob=True)
            state, reward, done, _ = env.step(action.asnumpy()[0])
            if args.render:
                env.render()
            rewards.append(reward)
            values.append(value)
            actions.append(action.asnumpy()[0])
            heads.append(logp)
            if done:
                break

        # reverse accumulate and normalize rewards
        running_reward = running_reward * 0.99 + t * 0.01
        R = 0
        for i in range(len(rewards)-1, -1, -1):
            R = rewards[i] + args.gamma * R
            rewards[i] = R
        rewards = np.array(rewards)
        rewards -= rewards.mean()
        rewards /= rewards.std() + np.finfo(rewards.dtype).eps

        # compute loss and gradient
        L = sum([loss(value, mx.nd.array([r])) for r, value in zip(rewards, values)])
        final_nodes = [L]
        for logp, r, v in zip(heads, rewards, values):
            reward = r - v.asnumpy()[0,0]
            # Here we differentiate the stochastic graph, corresponds to the
            # first term of equation (6) in https://arxiv.org/pdf/1506.05254.pdf
            # Optimizer minimizes the loss but we want to maximizing the reward,
            # so use we use -reward here.
            final_nodes.append(logp*(-reward))
        autograd.backward(final_nodes)

    trainer.step(t)

    if epoch % args.log_interval == 0:
        print('Episode {}\tLast length: {:5d}\tAverage length: {:.2f}'.format(
            epoch, t, running_reward))
    if running_reward > 200:
        print("Solved! Running reward is now {} and "
              "the last episode runs to {} time steps!".format(running_reward, t))
        break
'''

GYM = r'''"""CartPole-v0 as gym's classic_control/cartpole.py (Barto, Sutton & Anderson), TimeLimit 200."""
import math
import numpy as np


class CartPoleEnv:
    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    theta_threshold_radians, x_threshold = 12 * 2 * math.pi / 360, 2.4

    def __init__(self):
        self.np_random, self.state, self.steps = np.random.RandomState(), None, 0

    def seed(self, seed=None):
        self.np_random = np.random.RandomState(seed)
        return [seed]

    def reset(self):
        self.state, self.steps = self.np_random.uniform(low=-0.05, high=0.05, size=(4,)), 0
        return np.array(self.state)

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        total_mass, polemass_length = self.masspole + self.masscart, self.masspole * self.length
        force = self.force_mag if action == 1 else -self.force_mag
        costheta, sintheta = math.cos(theta), math.sin(theta)
        temp = (force + polemass_length * theta_dot * theta_dot * sintheta) / total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta * costheta / total_mass))
        xacc = temp - polemass_length * thetaacc * costheta / total_mass
        x, x_dot = x + self.tau * x_dot, x_dot + self.tau * xacc
        theta, theta_dot = theta + self.tau * theta_dot, theta_dot + self.tau * thetaacc
        self.state, self.steps = (x, x_dot, theta, theta_dot), self.steps + 1
        done = bool(x < -self.x_threshold or x > self.x_threshold or theta < -self.theta_threshold_radians
                    or theta > self.theta_threshold_radians or self.steps >= 200)
        return np.array(self.state), 1.0, done, {}


def make(name):
    assert name == 'CartPole-v0'
    return CartPoleEnv()
'''


def test_actor_critic_learns_to_balance_longer(tmp_path, monkeypatch, capsys):
    gym = types.ModuleType("gym")
    exec(compile(GYM, "gym.py", "exec"), gym.__dict__)
    monkeypatch.setitem(sys.modules, "gym", gym)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["actor_critic.py"])
    (tmp_path / "actor_critic.py").write_text(ACTOR_CRITIC)
    mx.random.seed(0)
    np.random.seed(0)
    g = runpy.run_path(str(tmp_path / "actor_critic.py"), run_name="__main__")
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Episode")]
    assert [int(line.split()[1]) for line in lines] == [10, 20, 30]
    # the running reward starts at 10 and follows the episode lengths: it rises as the policy learns
    assert g["running_reward"] > 11.0, lines
    assert g["net"].action_pred.weight.grad().abs().sum().asscalar() > 0
